import NIOCore
import NIOEmbedded
import SecureChatTLS

/// One client and one server connection of our TLS layer (``TLSHandler`` over OpenSSL memory BIOs) on
/// `EmbeddedChannel`s, their ciphertext handed across in memory: no sockets, no kernel, no event-loop threads.
/// Every call into the server's channel is charged to ``serverNanos`` (thread CPU time), the client's are not.
final class InMemoryTLSPair {
    private let client: EmbeddedChannel
    private let server: EmbeddedChannel
    private(set) var serverNanos: UInt64 = 0

    init(client clientContext: TLSContext, server serverContext: TLSContext) throws {
        client = EmbeddedChannel(handlers: [try TLSHandler(context: clientContext)])
        var serverNanos: UInt64 = 0
        server = try ThreadCPUClock.charge(to: &serverNanos) {
            EmbeddedChannel(handlers: [try TLSHandler(context: serverContext), GreetingHandler()])
        }
        self.serverNanos = serverNanos
    }

    /// Connects both ends and moves records until the client has the server's greeting: a full handshake, the
    /// tickets and the first application record, as a chat client sees them before it logs in.
    func handshake() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 7443)
        try ThreadCPUClock.charge(to: &serverNanos) { try server.connect(to: address).wait() }
        client.connect(to: address, promise: nil)
        try exchange()
        guard var greeting = try client.readInbound(as: ByteBuffer.self),
            greeting.readString(length: greeting.readableBytes) == GreetingHandler.line
        else {
            throw BenchFailure("the in-memory handshake did not deliver the greeting")
        }
    }

    /// The server writes `count` lines of plaintext, each flushed on its own (one `SSL_write` and one record each),
    /// and hands over the ciphertext; the client does not read it.
    func serverWrites(_ line: ByteBuffer, count: Int, linesPerRecord: Int) throws {
        try ThreadCPUClock.charge(to: &serverNanos) {
            for index in 0..<count {
                server.write(line, promise: nil)
                if (index + 1) % linesPerRecord == 0 || index == count - 1 {
                    server.flush()
                    while try server.readOutbound(as: ByteBuffer.self) != nil {}
                }
            }
        }
    }

    /// The client closes (close_notify), the server answers and closes, and both channels are finished.
    func close() throws {
        client.close(promise: nil)
        try exchange()
        try ThreadCPUClock.charge(to: &serverNanos) {
            _ = try server.finish(acceptAlreadyClosed: true)
        }
        _ = try client.finish(acceptAlreadyClosed: true)
    }

    /// Moves bytes both ways until neither side has anything to send.
    private func exchange() throws {
        var moved = true
        while moved {
            moved = false
            while let buffer = try client.readOutbound(as: ByteBuffer.self) {
                moved = true
                if server.isActive {
                    try ThreadCPUClock.charge(to: &serverNanos) { try server.writeInbound(buffer) }
                }
            }
            while let buffer = try ThreadCPUClock.charge(
                to: &serverNanos,
                { try server.readOutbound(as: ByteBuffer.self) }
            ) {
                moved = true
                if client.isActive { try client.writeInbound(buffer) }
            }
        }
    }
}
