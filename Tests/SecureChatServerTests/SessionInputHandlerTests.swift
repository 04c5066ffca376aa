import ChatCore
import Logging
import NIOCore
import NIOEmbedded
import SecureChatTLS
import Testing

@testable import SecureChatServer

/// Once armed, closes the channel on the next write instead of passing it on, as NIO does when a write fails (the
/// peer reset) or when a reader that does not read passes the outbound limit.
private final class CloseOnWrite: ChannelOutboundHandler {
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

/// `SessionInputHandler` and its session on an `EmbeddedChannel`: what happens on the event loop, without sockets.
@Suite struct SessionInputHandlerTests {
    /// A line answered on the loop whose answer closes the connection there and then: the close reaches
    /// `channelInactive`, which finishes the line framer, while the read's lines are still being handed out. That must
    /// cost the one connection and nothing else (it used to be an exclusive-access violation that stopped the
    /// process); the lines after the close are dropped.
    @Test func aWriteThatClosesTheConnectionInTheMiddleOfAReadCostsOnlyThatConnection() throws {
        let channel = EmbeddedChannel()
        let logger = Logger(label: "test")
        let configuration = ServerConfiguration(tls: .server(certificateChainPath: "-", privateKeyPath: "-"))
        let session = ConnectionSession(
            id: ConnectionID(1),
            channel: channel,
            hub: RoomHub(logger: logger),
            store: InMemoryMessageStore(),
            configuration: configuration,
            logger: logger
        )
        let closer = CloseOnWrite()
        try channel.pipeline.syncOperations.addHandler(closer)
        try channel.pipeline.syncOperations.addHandler(
            SessionInputHandler(
                logger: logger,
                session: session,
                sweeper: IdleSweeper(loop: channel.eventLoop, timeout: .seconds(60)),
                maximumLineLength: 4096
            )
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.pipeline.fireUserInboundEventTriggered(
            TLSUserEvent.handshakeCompleted(TLSSessionInfo(protocolVersion: "TLSv1.3", cipher: "test", peer: nil))
        )
        #expect(closer.writes.count == 1)
        #expect(closer.writes.first?.hasPrefix("PROMPT ") == true)

        closer.armed = true
        // Three lines in one read, each answered on the loop (an empty username).
        try channel.writeInbound(ByteBuffer(string: " \n \n \n"))
        #expect(!channel.isActive)
        #expect(closer.writes.count == 2, "the answer to the first line closed the connection: \(closer.writes)")
    }
}
