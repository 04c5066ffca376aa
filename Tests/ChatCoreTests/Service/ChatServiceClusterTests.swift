import Foundation
import Logging
import Synchronization
import Testing

@testable import ChatCore

/// Two services as two nodes of a cluster: one store and one presence directory between them (what PostgreSQL is
/// to real nodes), and a link that hands what one relays to the other, as the cluster's events do.
@Suite struct ChatServiceClusterTests {
    /// A link to the other node: what is relayed reaches its service at once, in order.
    final class LoopbackLink: ClusterLink {
        let node: UInt16
        let other = Mutex<ChatService?>(nil)
        let relayed = Mutex<[ClusterMessage]>([])
        let failing = Atomic(false)

        init(node: UInt16) { self.node = node }

        func relay(_ message: ClusterMessage) {
            relayed.withLock { $0.append(message) }
            // Through the body, as the real events travel.
            guard let arrived = ClusterMessage(body: message.body) else { return }
            other.withLock { $0 }?.receive(arrived)
        }

        func relayConfirmed(_ message: ClusterMessage) async throws {
            if failing.load(ordering: .relaxed) { throw StoreError.storageFailed("the database is gone") }
            relay(message)
        }
    }

    struct Node {
        let service: ChatService
        let sink: RecordingSink
        let link: LoopbackLink

        func join(_ raw: String, as identity: IdentityKind = .guest, on number: Int) async throws -> ChatUser {
            try await service.join(name(raw), as: identity, on: ConnectionID(node: link.node, number: number)).get()
        }

        func received(by number: Int) -> [ServerReply] {
            let connection = ConnectionID(node: link.node, number: number)
            return sink.deliveries.filter { $0.connections.contains(connection) }.flatMap(\.replies)
        }
    }

    private let store = InMemoryMessageStore()
    private let directory = LocalPresenceDirectory()

    private func nodes() -> (Node, Node) {
        let made = [UInt16(1), 2].map { number in
            let link = LoopbackLink(node: number)
            let sink = RecordingSink()
            let service = ChatService(
                store: store,
                directory: directory,
                sink: sink,
                hasher: PrefixHasher(),
                cluster: link,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            return Node(service: service, sink: sink, link: link)
        }
        made[0].link.other.withLock { $0 = made[1].service }
        made[1].link.other.withLock { $0 = made[0].service }
        return (made[0], made[1])
    }

    @Test func chatLinesAndNoticesReachTheOtherNodesUsersOnceWhoAcceptThem() async throws {
        let (one, two) = nodes()
        var ada = try await one.join("ada", on: 1)
        var bob = try await two.join("Bob", as: .registered, on: 1)
        var cy = try await two.join("cy", on: 2)
        #expect(two.received(by: 1).contains(.joined("cy")))
        #expect(one.received(by: 1) == [.welcome(name("ada")), .joined("Bob"), .joined("cy")])

        _ = await two.service.perform(.block(name("ada")), for: &cy)
        one.service.say(["hello", "there"], from: ada)
        let lines: [ServerReply] = [.chat(from: "ada", text: "hello"), .chat(from: "ada", text: "there")]
        #expect(Array(two.received(by: 1).suffix(2)) == lines)
        #expect(!two.received(by: 2).contains(lines[0]), "cy blocks ada on their own node")

        two.service.say(["hi"], from: bob)
        #expect(one.received(by: 1).last == .chat(from: "Bob", text: "hi"))
        #expect(two.received(by: 2).last == .chat(from: "Bob", text: "hi"))
        #expect(two.received(by: 1).filter { $0 == .chat(from: "Bob", text: "hi") }.isEmpty, "not to the sender")

        await two.service.leave(&bob, because: .tata)
        #expect(one.received(by: 1).last == .left("Bob"))
        await one.service.leave(&ada, because: .dropped)
        #expect(!two.received(by: 2).contains(.leftUnexpectedly("ada")), "cy blocks ada")
    }

    @Test func whoelseListsEveryNodesUsersAndNamesAreUniqueAcrossNodes() async throws {
        let (one, two) = nodes()
        var ada = try await one.join("ada", on: 1)
        _ = try await two.join("Bob", on: 1)
        let taken = await two.service.join(name("ADA"), as: .guest, on: ConnectionID(node: 2, number: 2))
        if case .failure(let error) = taken {
            #expect(error == .nameTaken(name("ADA")))
        } else {
            Issue.record("ADA logged in on node 2 while ada is online on node 1")
        }
        let answer = await one.service.perform(.whoelse, for: &ada)
        #expect(answer.contains(.user("Bob")))
    }

    @Test func aSendToAUserOnAnotherNodeIsDeliveredThereAndAnsweredDelivered() async throws {
        let (one, two) = nodes()
        var ada = try await one.join("ada", as: .registered, on: 1)
        _ = try await two.join("Bob", on: 1)
        let answer = await one.service.perform(.send(to: name("bob"), text: "psst"), for: &ada)
        #expect(answer == [.ok(OKSummary.delivered(to: name("Bob")))])
        #expect(two.received(by: 1).last == .privateMessage(from: "ada", text: "psst"))
        #expect(
            one.link.relayed.withLock { $0 }.last
                == .direct(recipient: "bob", sender: "ada", line: .privateMessage(from: "ada", text: "psst"), node: 2)
        )
        let kept = try await one.service.perform(.history(limit: 5), for: &ada)
        #expect(kept.contains { if case .history(_, _, "Bob", "psst") = $0 { true } else { false } })
    }

    @Test func aSendToAUserOnAnotherNodeWhoBlocksTheSenderIsRefusedOnTheSendersNode() async throws {
        let (one, two) = nodes()
        var ada = try await one.join("ada", as: .registered, on: 1)
        var bob = try await two.join("bob", as: .registered, on: 1)
        _ = await two.service.perform(.block(name("ada")), for: &bob)
        let answer = await one.service.perform(.send(to: name("bob"), text: "psst"), for: &ada)
        #expect(answer == [.error(.blocked(by: name("bob")))])
        #expect(!two.received(by: 1).contains(.privateMessage(from: "ada", text: "psst")))
    }

    @Test func aGuestsBlocksOnAnotherNodeRefuseASendOnTheSendersNode() async throws {
        let (one, two) = nodes()
        var ada = try await one.join("ada", on: 1)
        var bob = try await two.join("bob", on: 1)
        _ = await two.service.perform(.block(name("ada")), for: &bob)
        #expect(
            await one.service.perform(.send(to: name("bob"), text: "psst"), for: &ada) == [
                .error(.blocked(by: name("bob")))
            ]
        )
        _ = await two.service.perform(.unblock(name("ada")), for: &bob)
        #expect(
            await one.service.perform(.send(to: name("bob"), text: "psst"), for: &ada) == [
                .ok(OKSummary.delivered(to: name("bob")))
            ]
        )
    }

    @Test func aSendThatCannotReachTheOtherNodeIsAServerErrorNotADelivery() async throws {
        let (one, two) = nodes()
        var ada = try await one.join("ada", as: .registered, on: 1)
        _ = try await two.join("Bob", on: 1)
        one.link.failing.store(true, ordering: .relaxed)
        let answer = await one.service.perform(.send(to: name("bob"), text: "psst"), for: &ada)
        #expect(answer.count == 1)
        if case .error(let error) = answer.first {
            #expect(error.code == ProtocolError.serverError().code)
        } else {
            Issue.record("expected a server error, got \(answer)")
        }
    }

    @Test func aBroadcastCountsTheOtherNodesUsers() async throws {
        let (one, two) = nodes()
        var ada = try await one.join("ada", on: 1)
        _ = try await one.join("cy", on: 2)
        _ = try await two.join("Bob", on: 1)
        let answer = await one.service.perform(.broadcastAll(text: "all"), for: &ada)
        #expect(answer == [.ok(OKSummary.broadcast(reached: 2))])
        #expect(two.received(by: 1).last == .broadcast(from: "ada", text: "all"))
    }

    @Test func theUsersOfARemovedNodeLeftUnexpectedly() async throws {
        let (one, _) = nodes()
        _ = try await one.join("ada", on: 1)
        one.service.nodeRemoved(holding: ["Bob", "not a name", "cy"])
        #expect(Array(one.received(by: 1).suffix(2)) == [.leftUnexpectedly("Bob"), .leftUnexpectedly("cy")])
    }

    /// A `direct` from a server that did not name the recipient's node still reads (without a node).
    @Test func aDirectWithoutItsNodeStillReads() throws {
        let old = #"{"direct":{"recipient":"bob","sender":"ada","line":{"privateMessage":{"from":"ada","text":"x"}}}}"#
        #expect(
            ClusterMessage(body: old)
                == .direct(recipient: "bob", sender: "ada", line: .privateMessage(from: "ada", text: "x"), node: nil)
        )
    }

    @Test func aMessageTravelsAsOneLineOfJSONAndBack() throws {
        let messages: [ClusterMessage] = [
            .room(sender: "ada", lines: [.chat(from: "ada", text: "é \"quoted\" \\ line"), .joined("ada")]),
            .direct(recipient: "bob", sender: "ada", line: .listBroadcast(from: "ada", to: ["bob", "cy"], text: "x")),
            .direct(recipient: "bob", sender: "ada", line: .privateMessage(from: "ada", text: "x"), node: 3),
        ]
        for message in messages {
            #expect(!message.body.contains("\n"))
            #expect(ClusterMessage(body: message.body) == message)
        }
        #expect(ClusterMessage(body: "!removed 3 ada") == nil)
        #expect(RelayedLine(.ok("x")) == nil)
        #expect(RelayedLine(.leftUnexpectedly("ada"))?.reply == .leftUnexpectedly("ada"))
    }

    @Test func anOperatorRemovesAUserOnAnotherNodeThroughThatNode() async throws {
        let (one, two) = nodes()
        _ = try await one.join("ada", on: 1)
        _ = try await two.join("Bob", on: 7)
        let bob = ConnectionID(node: 2, number: 7)
        let removal = try await one.service.remove(name("bob"), reason: "spam \u{1B}[2J")
        guard case .forwarded(let holder) = removal else {
            Issue.record("not forwarded: \(removal)")
            return
        }
        #expect(holder.name.display == "Bob" && holder.connection == bob && holder.since != nil)
        for _ in 0..<200 where two.sink.isOpen(bob) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!two.sink.isOpen(bob))
        let notice = "you have been removed by the server's operator: \(TextSanitizer.sanitize("spam \u{1B}[2J"))"
        #expect(!notice.contains("\u{1B}"))
        #expect(two.received(by: 7).suffix(2) == [.notice(notice), .bye(notice)])
        #expect(one.received(by: 1).last == .notice("Bob left the conversation (removed by the server's operator)"))
        #expect(try await one.service.remove(name("bob"), reason: nil) == .notOnline)

        one.link.failing.store(true, ordering: .relaxed)
        _ = try await two.join("cy", on: 8)
        await #expect(throws: StoreError.self) { try await one.service.remove(name("cy"), reason: nil) }
        #expect(two.sink.isOpen(ConnectionID(node: 2, number: 8)))
    }
}
