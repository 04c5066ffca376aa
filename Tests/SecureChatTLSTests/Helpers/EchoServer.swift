import NIOCore
import NIOPosix

@testable import SecureChatTLS

/// A small TLS line-echo server on 127.0.0.1 and an ephemeral port: greets after the handshake, then answers each
/// line with `echo: <line>`. Everything the server sees is kept in ``events``.
final class EchoServer: Sendable {
    enum Event: Sendable {
        case handshake(TLSSessionInfo)
        case line(String)
        case error(String)
        case closed
    }

    static let greeting = "hello from server"

    let events = LockedBox<[Event]>([])
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// The port the kernel chose.
    let port: Int

    init(context: TLSContext) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let events = self.events
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 16)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context))
                        try channel.pipeline.syncOperations.addHandler(GreetAndEchoHandler(events: events))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            self.group = group
            self.channel = channel
            self.port = channel.localAddress?.port ?? 0
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func stop() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    var sessions: [TLSSessionInfo] {
        events.current.compactMap { if case .handshake(let info) = $0 { info } else { nil } }
    }

    var lines: [String] {
        events.current.compactMap { if case .line(let line) = $0 { line } else { nil } }
    }

    /// How many connections have ended.
    var closedConnections: Int {
        events.current.filter { if case .closed = $0 { true } else { false } }.count
    }

    var errors: [String] {
        events.current.compactMap { if case .error(let text) = $0 { text } else { nil } }
    }
}

/// The server's application handler: greet, then echo lines.
private final class GreetAndEchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let events: LockedBox<[EchoServer.Event]>
    private var partialLine = ""

    init(events: LockedBox<[EchoServer.Event]>) {
        self.events = events
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let info) = event as? TLSUserEvent {
            events.withLock { $0.append(.handshake(info)) }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: EchoServer.greeting + "\n")), promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partialLine += String(buffer: unwrapInboundIn(data))
        while let newline = partialLine.firstIndex(of: "\n") {
            let line = String(partialLine[..<newline])
            partialLine.removeSubrange(...newline)
            events.withLock { $0.append(.line(line)) }
            context.write(wrapOutboundOut(ByteBuffer(string: "echo: \(line)\n")), promise: nil)
        }
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        events.withLock { $0.append(.closed) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        events.withLock { $0.append(.error(String(describing: error))) }
        context.close(promise: nil)
    }
}
