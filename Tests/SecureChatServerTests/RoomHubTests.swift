import ChatCore
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import SecureChatServer

/// The hub's fan-out against in-memory channels: who receives what, in which order, with no sockets.
@Suite struct RoomHubTests {
    private func name(_ raw: String) -> Username { try! Username.validate(raw).get() }

    private func member(_ raw: String, _ id: Int, blocks: Set<String> = []) -> RoomMember {
        RoomMember(name: name(raw), identity: .guest, connection: ConnectionID(id), blocks: blocks)
    }

    /// Everything written to `channel` so far, as lines.
    private func lines(_ channel: NIOAsyncTestingChannel) async throws -> [String] {
        await channel.testingEventLoop.run()
        var text = ""
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text.split(separator: "\n").map(String.init)
    }

    private func hubWithTwo() async throws -> (RoomHub, NIOAsyncTestingChannel, NIOAsyncTestingChannel) {
        let hub = RoomHub(logger: Logger(label: "test"))
        let alice = NIOAsyncTestingChannel()
        let bob = NIOAsyncTestingChannel()
        try await alice.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        try await bob.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2))
        hub.register(ConnectionID(1), channel: alice)
        hub.register(ConnectionID(2), channel: bob)
        return (hub, alice, bob)
    }

    @Test func theGreetingComesFirstAndOthersHearOfTheJoin() async throws {
        let (hub, alice, bob) = try await hubWithTwo()
        _ = await hub.join(member("alice", 1), greeting: [.welcome(name("alice"))])
        _ = await hub.join(member("bob", 2), greeting: [.welcome(name("bob")), .unreadMessages(2)])
        #expect(
            try await lines(alice) == [
                "WELCOME alice Welcome to chat room. Enter 'tata' anytime to exit",
                "NOTICE bob joined the conversation",
            ]
        )
        #expect(
            try await lines(bob) == [
                "WELCOME bob Welcome to chat room. Enter 'tata' anytime to exit",
                "NOTICE you have 2 unread messages; type 'inbox' to read them",
            ]
        )
    }

    @Test func chatSkipsTheSenderAndThoseWhoBlockIt() async throws {
        let (hub, alice, bob) = try await hubWithTwo()
        _ = await hub.join(member("alice", 1), greeting: [])
        _ = await hub.join(member("bob", 2, blocks: ["alice"]), greeting: [])
        _ = try await lines(alice)
        await hub.say(["hello"], from: name("alice"))
        await hub.say(["hi"], from: name("bob"))
        #expect(try await lines(bob).isEmpty)
        #expect(try await lines(alice) == ["CHAT bob: hi"])
    }

    @Test func severalLinesGoOutTogetherAndInOrder() async throws {
        let (hub, alice, bob) = try await hubWithTwo()
        _ = await hub.join(member("alice", 1), greeting: [])
        _ = await hub.join(member("bob", 2), greeting: [])
        _ = try await lines(alice)
        _ = try await lines(bob)
        await hub.say(["one", "two", "three"], from: name("alice"))
        #expect(try await lines(bob) == ["CHAT alice: one", "CHAT alice: two", "CHAT alice: three"])
        #expect(try await lines(alice).isEmpty)
    }

    @Test func aMemberWhoseChannelIsGoneCountsAsOffline() async throws {
        let (hub, alice, bob) = try await hubWithTwo()
        _ = await hub.join(member("alice", 1), greeting: [])
        _ = await hub.join(member("bob", 2), greeting: [])
        try await bob.close()
        let route = await hub.sendDirect(
            .privateMessage(from: "alice", text: "x"),
            from: name("alice"),
            to: name("bob")
        )
        #expect(route == .offline)
        _ = alice
    }

    @Test func shutdownTellsEveryoneAndClosesTheirChannels() async throws {
        let (hub, alice, bob) = try await hubWithTwo()
        _ = await hub.join(member("alice", 1), greeting: [])
        _ = try await lines(alice)
        await hub.shutDown()
        #expect(try await lines(alice) == ["NOTICE the server is shutting down", "BYE server is shutting down"])
        #expect(try await lines(bob) == ["NOTICE the server is shutting down", "BYE server is shutting down"])
        try await alice.closeFuture.get()
        // A connection that registers during shutdown is closed at once.
        let late = NIOAsyncTestingChannel()
        try await late.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3))
        hub.register(ConnectionID(3), channel: late)
        #expect(try await lines(late) == ["BYE server is shutting down"])
    }
}
