import Foundation
import Testing

@testable import ChatCore

@Suite struct ChatServiceCommandTests {
    // MARK: Who

    @Test func whoelseListsTheOthersOnlineSortedAsTheySpellThemselves() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("carl", on: 1)
        var bob = try await fixture.join("Bob", on: 2)
        _ = try await fixture.join("Ada", on: 3)
        #expect(
            await fixture.service.perform(.whoelse, for: &bob) == [
                .user("Ada"), .user("carl"), .ok("2 other users online"),
            ]
        )
    }

    @Test func wholastListsWhoLeftWithinTheMinutesButNotWhoIsOnline() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        var ada = try await fixture.join("ada", on: 1)
        var gus = try await fixture.join("gus", on: 2)
        _ = try await fixture.join("Dora", as: .registered, on: 3)
        fixture.clock.advance(by: 60)
        await fixture.service.end(&gus)
        let left = fixture.clock.now()
        fixture.clock.advance(by: 240)
        #expect(
            await fixture.service.perform(.wholast(minutes: 10), for: &ada) == [
                .userLastSeen("gus", at: left), .ok("1 user seen in the last 10 minutes"),
            ]
        )
        #expect(
            await fixture.service.perform(.wholast(minutes: 3), for: &ada) == [
                .ok("0 users seen in the last 3 minutes")
            ]
        )
    }

    // MARK: Inbox

    /// Dora (registered) with three messages from gus waiting, on connection 5; their ids.
    private func doraWithThreeUnread(
        _ fixture: ServiceFixture
    ) async throws -> (ChatUser, [MessageID]) {
        try await fixture.registered("Dora")
        let gus = try await fixture.join("gus", on: 1)
        _ = await fixture.service.send(
            [(name("dora"), "one"), (name("dora"), "two"), (name("dora"), "three")],
            from: gus
        )
        let dora = try await fixture.join("Dora", as: .registered, on: 5)
        return (dora, try await fixture.store.unreadInbox(for: "dora").map(\.id))
    }

    private func inboxLine(_ fixture: ServiceFixture, _ id: MessageID, _ text: String) -> ServerReply {
        .inbox(id: id, at: fixture.clock.now(), kind: .private, from: "gus", text: text)
    }

    @Test func theInboxShowsPagesAndTheNextPageAcknowledgesThePreviousOne() async throws {
        let fixture = ServiceFixture(limits: .init(inboxPageSize: 2))
        let (user, ids) = try await doraWithThreeUnread(fixture)
        var dora = user
        #expect(fixture.sink.received(by: 5) == [.welcome(name("Dora")), .unreadMessages(3)])
        #expect(
            await fixture.service.perform(.inbox, for: &dora) == [
                inboxLine(fixture, ids[0], "one"), inboxLine(fixture, ids[1], "two"),
                .ok("2 messages; 1 more: type 'inbox' for the next page (it marks these read)"),
            ]
        )
        #expect(try await fixture.store.unreadCount(for: "dora") == 3)
        #expect(
            await fixture.service.perform(.inbox, for: &dora) == [
                inboxLine(fixture, ids[2], "three"), .ok("1 message; type 'read' once you have them"),
            ]
        )
        #expect(try await fixture.store.unreadInbox(for: "dora").map(\.id) == [ids[2]])
        #expect(await fixture.service.perform(.read(upTo: nil), for: &dora) == [.ok("1 message marked read")])
        #expect(try await fixture.store.unreadCount(for: "dora") == 0)
        #expect(await fixture.service.perform(.inbox, for: &dora) == [.ok("0 messages")])
    }

    @Test func readWithAnIdAcknowledgesOnlyWhatWasShownUpToIt() async throws {
        let fixture = ServiceFixture()
        let (user, ids) = try await doraWithThreeUnread(fixture)
        var dora = user
        #expect(await fixture.service.perform(.read(upTo: nil), for: &dora) == [.ok("0 messages marked read")])
        _ = await fixture.service.perform(.inbox, for: &dora)
        #expect(await fixture.service.perform(.read(upTo: ids[1]), for: &dora) == [.ok("2 messages marked read")])
        #expect(try await fixture.store.unreadInbox(for: "dora").map(\.id) == [ids[2]])
    }

    @Test func whatADroppedConnectionWasShownIsShownAgain() async throws {
        let fixture = ServiceFixture(limits: .init(inboxPageSize: 2))
        let (user, ids) = try await doraWithThreeUnread(fixture)
        var dora = user
        _ = await fixture.service.perform(.inbox, for: &dora)
        await fixture.service.end(&dora)
        var again = try await fixture.join("Dora", as: .registered, on: 6)
        #expect(
            await fixture.service.perform(.inbox, for: &again) == [
                inboxLine(fixture, ids[0], "one"), inboxLine(fixture, ids[1], "two"),
                .ok("2 messages; 1 more: type 'inbox' for the next page (it marks these read)"),
            ]
        )
    }

    @Test func guestsHaveNoInboxNorHistory() async throws {
        let fixture = ServiceFixture()
        var ada = try await fixture.join("ada", on: 1)
        let noInbox = ServerReply.error(.notAllowed("guests have no inbox; register a password first"))
        #expect(await fixture.service.perform(.inbox, for: &ada) == [noInbox])
        #expect(await fixture.service.perform(.read(upTo: nil), for: &ada) == [noInbox])
        #expect(
            await fixture.service.perform(.history(limit: 10), for: &ada) == [
                .error(.notAllowed("guests have no history; register a password first"))
            ]
        )
    }

    @Test func historyShowsWhatAnIdentitySentAndReceived() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        var dora = try await fixture.join("Dora", as: .registered, on: 1)
        let bob = try await fixture.join("bob", on: 2)
        _ = await fixture.service.send([(name("dora"), "hi")], from: bob)
        fixture.clock.advance(by: 1)
        _ = await fixture.service.send([(name("bob"), "hello")], from: dora)
        #expect(
            await fixture.service.perform(.history(limit: 10), for: &dora) == [
                .history(at: ManualClock.start, from: "bob", to: "Dora", text: "hi"),
                .history(at: fixture.clock.now(), from: "Dora", to: "bob", text: "hello"),
                .ok("2 messages"),
            ]
        )
        #expect(
            await fixture.service.perform(.history(limit: 1), for: &dora) == [
                .history(at: fixture.clock.now(), from: "Dora", to: "bob", text: "hello"), .ok("1 message"),
            ]
        )
    }

    @Test func historyShowsRoomLinesOnlyToThoseOnlineWhenTheyWereSaid() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        try await fixture.registered("Eve")
        var dora = try await fixture.join("Dora", as: .registered, on: 1)
        let ada = try await fixture.join("ada", on: 2)
        fixture.service.say(["before"], from: ada)
        try await fixture.storedCount(reaches: 1)
        fixture.clock.advance(by: 1)
        var eve = try await fixture.join("Eve", as: .registered, on: 3)
        _ = await fixture.service.perform(.broadcastAll(text: "after"), for: &dora)
        try await fixture.storedCount(reaches: 2)
        #expect(
            await fixture.service.perform(.history(limit: 10), for: &dora) == [
                .history(at: ManualClock.start, from: "ada", to: "room", text: "before"),
                .history(at: fixture.clock.now(), from: "Dora", to: "everyone", text: "after"),
                .ok("2 messages"),
            ]
        )
        #expect(
            await fixture.service.perform(.history(limit: 10), for: &eve) == [
                .history(at: fixture.clock.now(), from: "Dora", to: "everyone", text: "after"), .ok("1 message"),
            ]
        )
    }

    // MARK: Blocks

    @Test func blockRefusesOneselfAndUnknownNamesAndShowsTheOwnersSpelling() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        var dora = try await fixture.join("Dora", as: .registered, on: 1)
        _ = try await fixture.join("Bob", on: 2)
        #expect(
            await fixture.service.perform(.block(name("DORA")), for: &dora) == [
                .error(.usage("you cannot block yourself"))
            ]
        )
        #expect(await fixture.service.perform(.block(name("nobody")), for: &dora) == [.error(.unknownUser("nobody"))])
        #expect(await fixture.service.perform(.block(name("bob")), for: &dora) == [.ok("blocked Bob")])
        #expect(await fixture.service.perform(.blocked, for: &dora) == [.user("Bob"), .ok("1 blocked user")])
        #expect(try await fixture.store.blocks(of: "dora") == ["bob"])
        #expect(await fixture.service.perform(.unblock(name("BOB")), for: &dora) == [.ok("unblocked Bob")])
        #expect(await fixture.service.perform(.unblock(name("bob")), for: &dora) == [.ok("you were not blocking Bob")])
        #expect(await fixture.service.perform(.blocked, for: &dora) == [.ok("0 blocked users")])
        #expect(try await fixture.store.blocks(of: "dora").isEmpty)
    }

    @Test func aGuestWhoLeftCanBeBlockedAndABlockSurvivesTheBlockedLeaving() async throws {
        let fixture = ServiceFixture()
        var ada = try await fixture.join("ada", on: 1)
        var gus = try await fixture.join("gus", on: 2)
        await fixture.service.end(&gus)
        #expect(await fixture.service.perform(.block(name("gus")), for: &ada) == [.ok("blocked gus")])
        gus = try await fixture.join("gus", on: 3)
        fixture.sink.clear()
        fixture.service.say(["back"], from: gus)
        #expect(fixture.sink.deliveries.isEmpty)
    }

    @Test func aGuestsBlocksLiveOnlyInTheRoomUntilTheyRegister() async throws {
        let fixture = ServiceFixture()
        var ada = try await fixture.join("ada", on: 1)
        let bob = try await fixture.join("bob", on: 2)
        #expect(await fixture.service.perform(.block(name("bob")), for: &ada) == [.ok("blocked bob")])
        #expect(try await fixture.store.blocks(of: "ada").isEmpty)
        // The block counts for everything bob does.
        fixture.sink.clear()
        fixture.service.say(["hi"], from: bob)
        #expect(await fixture.service.send([(name("ada"), "hi")], from: bob) == [.error(.blocked(by: name("ada")))])
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(
            await fixture.service.perform(.register(password: "password1"), for: &ada) == [
                .ok(OKSummary.registered(name("ada")))
            ]
        )
        #expect(try await fixture.store.blocks(of: "ada") == ["bob"])
    }

    @Test func aNewcomerBlockedByAMemberIsNotAnnouncedToThem() async throws {
        let fixture = ServiceFixture()
        var ada = try await fixture.join("ada", on: 1)
        var gus = try await fixture.join("gus", on: 2)
        await fixture.service.end(&gus)
        _ = await fixture.service.perform(.block(name("gus")), for: &ada)
        _ = try await fixture.join("bob", on: 3)
        fixture.sink.clear()
        _ = try await fixture.join("gus", on: 4)
        #expect(
            fixture.sink.deliveries == [
                .init(replies: [.welcome(name("gus"))], connections: [ConnectionID(4)]),
                .init(replies: [.joined("gus")], connections: [ConnectionID(3)]),
            ]
        )
    }

    // MARK: Registration

    @Test func aGuestWhoRegistersBecomesAnIdentity() async throws {
        let fixture = ServiceFixture()
        var ada = try await fixture.join("Ada", on: 1)
        let bob = try await fixture.join("bob", on: 2)
        #expect(
            await fixture.service.perform(.register(password: "password1"), for: &ada) == [
                .ok("Ada is registered; from now on this name asks for your password")
            ]
        )
        #expect(ada.identity == .registered)
        #expect(try await fixture.store.identity(forKey: "ada")?.kind == .password(hash: "hash:password1"))
        #expect(try await fixture.store.identity(forKey: "ada")?.displayName == "Ada")
        #expect(fixture.directory.holder(of: "ada")?.identity == .registered)
        #expect(await fixture.service.status(of: name("ada"), from: "10.0.0.2") == .onlineIdentity)
        // What reaches Ada is kept for the identity from now on.
        _ = await fixture.service.send([(name("ada"), "welcome")], from: bob)
        #expect(
            await fixture.stored() == [
                fixture.message(
                    "welcome",
                    from: "bob",
                    identity: false,
                    to: .direct(recipients: [recipient("Ada", .delivered)])
                )
            ]
        )
        #expect(await fixture.service.perform(.history(limit: 5), for: &ada).last == .ok("1 message"))
        #expect(
            await fixture.service.perform(.register(password: "password2"), for: &ada) == [
                .error(.alreadyRegistered(name("Ada")))
            ]
        )
        #expect(try await fixture.store.identity(forKey: "ada")?.kind == .password(hash: "hash:password1"))
    }

    @Test func aGuestWhoseNameWasRegisteredMeanwhileIsRefused() async throws {
        let fixture = ServiceFixture()
        var ada = try await fixture.join("ada", on: 1)
        try await fixture.registered("Ada", password: "theirs")
        #expect(
            await fixture.service.perform(.register(password: "password1"), for: &ada) == [
                .error(.alreadyRegistered(name("ada")))
            ]
        )
        #expect(ada.identity == .guest)
        #expect(try await fixture.store.identity(forKey: "ada")?.kind == .password(hash: "hash:theirs"))
    }

    @Test func aCertificateUserNeedsNoPassword() async throws {
        let fixture = ServiceFixture()
        var carl = try await fixture.join("Carl", as: .certificate, on: 1)
        #expect(
            await fixture.service.perform(.register(password: "password1"), for: &carl) == [
                .error(.notAllowed("you log in with a certificate; it needs no password"))
            ]
        )
        #expect(try await fixture.store.identity(forKey: "carl")?.kind == .certificate)
    }

    // MARK: Small ones

    @Test func pingIsAnsweredAndPongIsNot() async throws {
        let fixture = ServiceFixture()
        var ada = try await fixture.join("ada", on: 1)
        #expect(await fixture.service.perform(.ping, for: &ada) == [.ok("pong")])
        #expect(await fixture.service.perform(.pong, for: &ada).isEmpty)
        #expect(await fixture.service.perform(.help(topic: nil), for: &ada).last == .ok(OKSummary.help(nil)))
    }
}
