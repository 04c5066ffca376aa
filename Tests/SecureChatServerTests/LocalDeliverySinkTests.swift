import ChatCore
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import SecureChatServer

/// The local delivery sink against in-memory channels: what each connection receives, in which order, with no
/// sockets. (Who receives what is ``ChatService``'s, tested in ChatCoreTests.)
@Suite struct LocalDeliverySinkTests {
    private func name(_ raw: String) -> Username { try! Username.validate(raw).get() }

    /// Everything written to `channel` so far, as lines.
    private func lines(_ channel: NIOAsyncTestingChannel) async throws -> [String] {
        await channel.testingEventLoop.run()
        var text = ""
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text.split(separator: "\n").map(String.init)
    }

    private func sinkWithTwo(
        directTLSWrites: Bool = true
    ) async throws -> (LocalDeliverySink, NIOAsyncTestingChannel, NIOAsyncTestingChannel) {
        let sink = LocalDeliverySink(directTLSWrites: directTLSWrites, logger: Logger(label: "test"))
        let alice = NIOAsyncTestingChannel()
        let bob = NIOAsyncTestingChannel()
        try await alice.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        try await bob.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2))
        try await alice.eventLoop.submit { sink.register(ConnectionID(1), channel: alice) }.get()
        try await bob.eventLoop.submit { sink.register(ConnectionID(2), channel: bob) }.get()
        return (sink, alice, bob)
    }

    @Test func linesReachTheirRecipientsOnlyAndInOrder() async throws {
        let (sink, alice, bob) = try await sinkWithTwo()
        sink.deliver([.welcome(name("bob")), .unreadMessages(2)], to: [ConnectionID(2)])
        sink.deliver([.joined("bob")], to: [ConnectionID(1)])
        sink.deliver(
            [.chat(from: "carol", text: "one"), .chat(from: "carol", text: "two")],
            to: [ConnectionID(1), ConnectionID(2)]
        )
        #expect(
            try await lines(alice) == ["NOTICE bob joined the conversation", "CHAT carol: one", "CHAT carol: two"]
        )
        #expect(
            try await lines(bob) == [
                "WELCOME bob Welcome to chat room. Enter 'tata' anytime to exit",
                "NOTICE you have 2 unread messages; type 'inbox' to read them",
                "CHAT carol: one",
                "CHAT carol: two",
            ]
        )
    }

    @Test func aConnectionWhoseChannelIsGoneIsNotOpen() async throws {
        let (sink, _, bob) = try await sinkWithTwo()
        #expect(sink.isOpen(ConnectionID(2)))
        try await bob.close()
        #expect(!sink.isOpen(ConnectionID(2)))
        #expect(!sink.isOpen(ConnectionID(3)), "never registered")
        sink.unregister(ConnectionID(1))
        #expect(!sink.isOpen(ConnectionID(1)))
    }

    @Test func shutdownTellsEveryoneAndClosesTheirChannels() async throws {
        let (sink, alice, bob) = try await sinkWithTwo()
        sink.shutDown()
        #expect(try await lines(alice) == ["NOTICE the server is shutting down", "BYE server is shutting down"])
        #expect(try await lines(bob) == ["NOTICE the server is shutting down", "BYE server is shutting down"])
        try await alice.closeFuture.get()
        // A connection that registers during shutdown is closed at once.
        let late = NIOAsyncTestingChannel()
        try await late.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3))
        try await late.eventLoop.submit { sink.register(ConnectionID(3), channel: late) }.get()
        #expect(try await lines(late) == ["BYE server is shutting down"])
    }
}
