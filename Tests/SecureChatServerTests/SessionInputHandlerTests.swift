import ChatCore
import ChatTransport
import Logging
import NIOCore
import NIOEmbedded
import SecureChatTLS
import Testing

@testable import SecureChatServer

/// Once armed, closes the channel on the next write instead of passing it on, as NIO does when a write fails (the
/// peer reset) or when a reader that does not read passes the outbound limit.
///
/// `@unchecked Sendable`: used only on the channel's event loop (the test reads it there with `submit`).
private final class CloseOnWrite: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var armed = false
    private(set) var writes: [String] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes.append(String(buffer: unwrapOutboundIn(data)))
        guard armed else {
            context.write(data, promise: promise)
            return
        }
        promise?.fail(ChannelError.ioOnClosedChannel)
        context.close(promise: nil)
    }
}

/// `SessionInputHandler` and its session on an in-memory channel: what happens on the event loop, without sockets.
/// (`NIOAsyncTestingChannel`, whose loop may be used from the session's tasks too.)
@Suite struct SessionInputHandlerTests {
    /// The server's pipeline without TLS: `closer` where TLS would be, the line framer, and the session's input
    /// handler, with the TLS handshake reported done (the session's greeting is the first write).
    private func connection(
        closer: CloseOnWrite,
        maximumSkippedBytes: Int = 64 * 1024
    ) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        let logger = Logger(label: "test")
        let configuration = ServerConfiguration(tls: .server(certificateChainPath: "-", privateKeyPath: "-"))
        let delivery = LocalDeliverySink(directTLSWrites: true, logger: logger)
        let session = ConnectionSession(
            id: ConnectionID(1),
            channel: channel,
            environment: SessionEnvironment(
                service: ChatService(
                    store: InMemoryMessageStore(),
                    directory: LocalPresenceDirectory(),
                    sink: delivery,
                    hasher: OpenSSLPasswordHasher(),
                    logger: logger
                ),
                delivery: delivery,
                configuration: configuration,
                logger: logger
            )
        )
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(closer)
            try sync.addHandler(
                LineFramingHandler(
                    maximumLineLength: configuration.maximumLineLength,
                    maximumSkippedBytes: maximumSkippedBytes
                )
            )
            try sync.addHandler(
                SessionInputHandler(
                    session: session,
                    sweeper: IdleSweeper(loop: channel.eventLoop, timeout: .seconds(60))
                )
            )
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        try await channel.eventLoop.submit {
            channel.pipeline.fireUserInboundEventTriggered(
                TLSUserEvent.handshakeCompleted(TLSSessionInfo(protocolVersion: "TLSv1.3", cipher: "test", peer: nil))
            )
        }.get()
        return channel
    }

    /// A line answered on the loop whose answer closes the connection there and then: the close reaches the framing
    /// handler's `channelInactive`, which finishes the line framer, while the read's lines are still being handed
    /// out. That must cost the one connection and nothing else (it used to be an exclusive-access violation that
    /// stopped the process); the lines after the close are dropped.
    @Test func aWriteThatClosesTheConnectionInTheMiddleOfAReadCostsOnlyThatConnection() async throws {
        let closer = CloseOnWrite()
        let channel = try await connection(closer: closer)
        let greeting = try await channel.eventLoop.submit { closer.writes }.get()
        #expect(greeting.count == 1)
        #expect(greeting.first?.hasPrefix("PROMPT ") == true)

        try await channel.eventLoop.submit { closer.armed = true }.get()
        // Three lines in one read, each answered on the loop (an empty username).
        try await channel.writeInbound(ByteBuffer(string: " \n \n \n"))
        let writes = try await channel.eventLoop.submit { closer.writes }.get()
        #expect(writes.count == 2, "the answer to the first line closed the connection: \(writes)")
        #expect(try await channel.eventLoop.submit { channel.isActive }.get() == false)
    }

    /// The framer gives up on a peer that keeps sending without a newline; the error reaches the input handler
    /// through the pipeline, which says goodbye and closes.
    @Test func tooMuchDataWithoutANewlineEndsTheConnectionWithAGoodbye() async throws {
        let closer = CloseOnWrite()
        let channel = try await connection(closer: closer, maximumSkippedBytes: 8192)
        try await channel.writeInbound(ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 * 1024))
        let writes = try await channel.eventLoop.submit { closer.writes }.get()
        #expect(writes.contains("BYE too much data without a newline\n"), "\(writes)")
        #expect(try await channel.eventLoop.submit { channel.isActive }.get() == false)
    }
}
