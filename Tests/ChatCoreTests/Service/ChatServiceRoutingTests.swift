import Foundation
import Testing

@testable import ChatCore

@Suite struct ChatServiceRoutingTests {
    /// ada and Bob (guests) on 1 and 2, alice (registered) on 3; Dora registered and offline; gus a guest who left.
    private func room() async throws -> (ServiceFixture, alice: ChatUser, ada: ChatUser, bob: ChatUser) {
        let fixture = ServiceFixture()
        try await fixture.registered("alice")
        try await fixture.registered("Dora")
        var gus = try await fixture.join("gus", on: 9)
        await fixture.service.end(&gus)
        let ada = try await fixture.join("ada", on: 1)
        let bob = try await fixture.join("Bob", on: 2)
        let alice = try await fixture.join("alice", as: .registered, on: 3)
        fixture.sink.clear()
        return (fixture, alice, ada, bob)
    }

    // MARK: Chat lines

    @Test func chatLinesReachEveryoneButTheSenderAndThoseWhoBlockThemAsOneDelivery() async throws {
        let (fixture, alice, _, member) = try await room()
        var bob = member
        _ = await fixture.service.perform(.block(name("alice")), for: &bob)
        fixture.sink.clear()
        fixture.service.say(["one", "two"], from: alice)
        #expect(
            fixture.sink.deliveries == [
                .init(
                    replies: [.chat(from: "alice", text: "one"), .chat(from: "alice", text: "two")],
                    connections: [ConnectionID(1)]
                )
            ]
        )
        let messages = try await fixture.settledMessages()
        #expect(messages.map(\.text) == ["one", "two"])
        #expect(messages.allSatisfy { $0.audience == .room && $0.senderKey == "alice" && $0.senderName == "alice" })
    }

    @Test func aGuestsChatLinesAreKeptWithoutASenderKey() async throws {
        let (fixture, _, ada, _) = try await room()
        fixture.service.say(["hello"], from: ada)
        #expect(
            fixture.sink.deliveries == [
                .init(replies: [.chat(from: "ada", text: "hello")], connections: [ConnectionID(2), ConnectionID(3)])
            ]
        )
        let messages = try await fixture.settledMessages()
        #expect(messages.map { [$0.senderKey, $0.senderName, $0.text] } == [[nil, "ada", "hello"]])
    }

    @Test func whatAnExpelledSessionSaysReachesNobodyAndIsNotKept() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("ada", on: 1)
        var expelled = try await fixture.join("bob", on: 2)
        #expect(await fixture.service.expel(ConnectionID(2), because: .flooding))
        // Lines the expelled connection had read before it closes; meanwhile somebody else took the name.
        _ = try await fixture.join("Bob", on: 3)
        fixture.sink.clear()
        fixture.service.say(["stale"], from: expelled)
        #expect(
            await fixture.service.perform(.broadcastAll(text: "stale"), for: &expelled) == [.ok("broadcast to 0 users")]
        )
        let notInRoom = ServerReply.error(.notAllowed("you are no longer in the room"))
        #expect(await fixture.service.send([(name("ada"), "stale")], from: expelled) == [notInRoom])
        #expect(
            await fixture.service.perform(.broadcastUsers([name("ada")], text: "stale"), for: &expelled) == [
                .delivery("ada", status: .failed, explanation: "you are no longer in the room"),
                .ok("0 delivered, 0 queued, 1 failed"),
            ]
        )
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(try await fixture.settledMessages().isEmpty)
    }

    // MARK: send

    @Test func aMessageToSomeoneOnlineIsDeliveredAtOnceAndKeptForTheIdentity() async throws {
        let (fixture, alice, _, _) = try await room()
        #expect(await fixture.service.send([(name("BOB"), "hi")], from: alice) == [.ok("delivered to Bob")])
        #expect(
            fixture.sink.deliveries == [
                .init(replies: [.privateMessage(from: "alice", text: "hi")], connections: [ConnectionID(2)])
            ]
        )
        #expect(
            await fixture.stored() == [
                fixture.message(
                    "hi",
                    from: "alice",
                    to: .direct(recipients: [recipient("Bob", .delivered, identity: false)])
                )
            ]
        )
    }

    @Test func aMessageToAnOfflineIdentityIsQueuedForTheInbox() async throws {
        let (fixture, _, ada, _) = try await room()
        #expect(
            await fixture.service.send([(name("dora"), "later")], from: ada) == [
                .ok("queued for Dora (offline); Dora will find it in the inbox")
            ]
        )
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(
            await fixture.stored() == [
                fixture.message(
                    "later",
                    from: "ada",
                    identity: false,
                    to: .direct(recipients: [recipient("Dora", .unread)])
                )
            ]
        )
        #expect(try await fixture.store.unreadCount(for: "dora") == 1)
    }

    /// The store fails: a message that reached its recipient is still `OK delivered` (its history copy is lost), one
    /// to be queued for an offline user is refused, never acknowledged.
    @Test func whenTheStoreFailsADeliveredMessageIsStillDeliveredAndAQueuedOneIsRefused() async throws {
        let observed = ObservedStore()
        let fixture = ServiceFixture(observed: observed)
        try await fixture.registered("Dora")
        try await fixture.registered("alice")
        // alice has an identity, so her message to Bob is kept for her history: the append that fails holds both.
        let alice = try await fixture.join("alice", as: .registered, on: 1)
        _ = try await fixture.join("Bob", on: 2)
        fixture.sink.clear()
        observed.failAppends()
        let answers = await fixture.service.send([(name("bob"), "hi"), (name("dora"), "later")], from: alice)
        #expect(answers == [.ok("delivered to Bob"), .error(.serverError())])
        #expect(
            fixture.sink.deliveries == [
                .init(replies: [.privateMessage(from: "alice", text: "hi")], connections: [ConnectionID(2)])
            ]
        )
        #expect(try await fixture.store.unreadCount(for: "dora") == 0)
    }

    @Test func aMessageBetweenGuestsIsDeliveredAndNotStored() async throws {
        let (fixture, _, ada, _) = try await room()
        #expect(await fixture.service.send([(name("bob"), "psst")], from: ada) == [.ok("delivered to Bob")])
        #expect(fixture.sink.received(by: 2) == [.privateMessage(from: "ada", text: "psst")])
        #expect(await fixture.stored().isEmpty)
    }

    @Test func refusedMessagesReachNobodyAndAreNotStored() async throws {
        let (fixture, alice, _, _) = try await room()
        let answers = await fixture.service.send(
            [(name("gus"), "a"), (name("nobody"), "b"), (name("ALICE"), "c")],
            from: alice
        )
        #expect(
            answers == [
                .error(.offlineGuest(name("gus"))),
                .error(.unknownUser("nobody")),
                .error(.usage("you cannot send a message to yourself")),
            ]
        )
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(await fixture.stored().isEmpty)
    }

    @Test func aMemberOnlineWhoBlocksTheSenderRefusesTheirMessage() async throws {
        let (fixture, alice, _, member) = try await room()
        var bob = member
        _ = await fixture.service.perform(.block(name("Alice")), for: &bob)
        fixture.sink.clear()
        #expect(await fixture.service.send([(name("bob"), "hi")], from: alice) == [.error(.blocked(by: name("Bob")))])
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(await fixture.stored().isEmpty)
    }

    @Test func anOfflineIdentityWhoBlocksTheSenderRefusesTheirMessage() async throws {
        let (fixture, _, ada, _) = try await room()
        try await fixture.store.block(owner: "dora", target: "ada", at: fixture.clock.now())
        #expect(await fixture.service.send([(name("dora"), "hi")], from: ada) == [.error(.blocked(by: name("Dora")))])
        #expect(await fixture.stored().isEmpty)
    }

    @Test func aMemberWhoseConnectionIsGoneCountsAsOffline() async throws {
        let (fixture, _, ada, _) = try await room()
        fixture.sink.close(3)
        fixture.sink.close(2)
        let answers = await fixture.service.send([(name("alice"), "queued"), (name("bob"), "lost")], from: ada)
        #expect(
            answers == [
                .ok("queued for alice (offline); alice will find it in the inbox"),
                .error(.offlineGuest(name("bob"))),
            ]
        )
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(
            await fixture.stored() == [
                fixture.message(
                    "queued",
                    from: "ada",
                    identity: false,
                    to: .direct(recipients: [recipient("alice", .unread)])
                )
            ]
        )
    }

    @Test func sendsInOneBatchAreAnsweredInOrderAndStoredInOrder() async throws {
        let (fixture, alice, _, _) = try await room()
        let answers = await fixture.service.send(
            [
                (name("dora"), "1"), (name("nobody"), "2"), (name("ada"), "3"), (name("alice"), "4"),
                (name("Dora"), "5"),
            ],
            from: alice
        )
        #expect(
            answers == [
                .ok("queued for Dora (offline); Dora will find it in the inbox"),
                .error(.unknownUser("nobody")),
                .ok("delivered to ada"),
                .error(.usage("you cannot send a message to yourself")),
                .ok("queued for Dora (offline); Dora will find it in the inbox"),
            ]
        )
        #expect(
            fixture.sink.deliveries == [
                .init(replies: [.privateMessage(from: "alice", text: "3")], connections: [ConnectionID(1)])
            ]
        )
        #expect(
            await fixture.stored() == [
                fixture.message("1", from: "alice", to: .direct(recipients: [recipient("Dora", .unread)])),
                fixture.message(
                    "3",
                    from: "alice",
                    to: .direct(recipients: [recipient("ada", .delivered, identity: false)])
                ),
                fixture.message("5", from: "alice", to: .direct(recipients: [recipient("Dora", .unread)])),
            ]
        )
    }

    @Test func sendAsACommandIsRoutedTheSameWay() async throws {
        let (fixture, sender, _, _) = try await room()
        var alice = sender
        #expect(
            await fixture.service.perform(.send(to: name("bob"), text: "hi"), for: &alice) == [.ok("delivered to Bob")]
        )
        #expect(fixture.sink.received(by: 2) == [.privateMessage(from: "alice", text: "hi")])
    }

    // MARK: broadcast

    @Test func aBroadcastToEveryoneReachesThoseWhoAcceptTheSenderAndIsKeptOnce() async throws {
        let (fixture, sender, _, member) = try await room()
        var alice = sender
        var bob = member
        _ = await fixture.service.perform(.block(name("alice")), for: &bob)
        fixture.sink.clear()
        #expect(await fixture.service.perform(.broadcastAll(text: "all"), for: &alice) == [.ok("broadcast to 1 user")])
        #expect(
            fixture.sink.deliveries == [
                .init(replies: [.broadcast(from: "alice", text: "all")], connections: [ConnectionID(1)])
            ]
        )
        let messages = try await fixture.settledMessages()
        #expect(messages.map { [$0.senderKey, $0.text] } == [["alice", "all"]])
        #expect(messages.map(\.audience) == [.everyone])
    }

    @Test func aBroadcastToAListSaysWhatBecameOfEachRecipientAndIsKeptOnce() async throws {
        let (fixture, sender, _, member) = try await room()
        var alice = sender
        var bob = member
        _ = await fixture.service.perform(.block(name("alice")), for: &bob)
        fixture.sink.clear()
        let recipients = ["ADA", "dora", "nobody", "alice", "gus", "bob"].map(name)
        let answer = await fixture.service.perform(.broadcastUsers(recipients, text: "news"), for: &alice)
        #expect(
            answer == [
                .delivery("ada", status: .delivered, explanation: "online now"),
                .delivery("Dora", status: .queued, explanation: "offline; stored for the inbox"),
                .delivery("nobody", status: .failed, explanation: ProtocolError.unknownUser("nobody").message),
                .delivery("alice", status: .failed, explanation: "you cannot send a message to yourself"),
                .delivery("gus", status: .failed, explanation: ProtocolError.offlineGuest(name("gus")).message),
                .delivery("Bob", status: .failed, explanation: ProtocolError.blocked(by: name("Bob")).message),
                .ok("1 delivered, 1 queued, 4 failed"),
            ]
        )
        #expect(
            fixture.sink.deliveries == [
                .init(
                    replies: [.listBroadcast(from: "alice", to: ["ada", "Dora", "Bob"], text: "news")],
                    connections: [ConnectionID(1)]
                )
            ]
        )
        #expect(
            await fixture.stored() == [
                fixture.message(
                    "news",
                    from: "alice",
                    to: .userList(recipients: [
                        recipient("ada", .delivered, identity: false), recipient("Dora", .unread),
                    ])
                )
            ]
        )
        #expect(try await fixture.store.unreadInbox(for: "dora").map(\.inboxKind) == [.broadcast])
    }

    @Test func aListBroadcastBetweenGuestsIsNotStored() async throws {
        let (fixture, _, sender, _) = try await room()
        var ada = sender
        #expect(
            await fixture.service.perform(.broadcastUsers([name("bob")], text: "x"), for: &ada) == [
                .delivery("Bob", status: .delivered, explanation: "online now"), .ok("1 delivered, 0 queued, 0 failed"),
            ]
        )
        #expect(await fixture.stored().isEmpty)
    }
}
