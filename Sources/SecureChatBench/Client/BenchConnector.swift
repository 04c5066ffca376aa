import ChatTransport
import NIOCore
import NIOPosix
import SecureChatTLS
import Synchronization

/// Opens TLS connections to the server with our own TLS layer: `TLSHandler` → ``BenchLineHandler``, with a
/// ``PeerAdapter`` between them for another server's protocol.
struct BenchConnector: Sendable {
    struct Endpoint: Sendable {
        let host: String
        let port: Int
    }

    /// The servers (the nodes of a cluster), each connection to the next in turn.
    let endpoints: [Endpoint]
    let context: TLSContext
    let group: MultiThreadedEventLoopGroup
    /// The protocol spoken over TLS: SecureChat's, or another server's through a ``PeerAdapter``.
    var peer: PeerProtocol = .securechat

    /// The group's event loops, to spread connections evenly.
    var loops: [any EventLoop] { Array(group.makeIterator()) }

    private let turn = Turn()

    init(endpoints: [Endpoint], context: TLSContext, group: MultiThreadedEventLoopGroup, peer: PeerProtocol) {
        self.endpoints = endpoints
        self.context = context
        self.group = group
        self.peer = peer
    }

    /// Which endpoint the next connection goes to.
    private final class Turn: Sendable {
        private let next = Atomic(0)
        func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
    }

    /// Connects and completes the TLS handshake; with a `name` also logs in (answering a password prompt with
    /// `password`); with `untilPrompt` (and no name) also waits for the server's first prompt. `sink` receives the
    /// connection's CHAT lines. `joinsRoom` false: an IRC login only registers (see ``IRCTranslator``); a SecureChat
    /// login always joins the room, an MQTT one always subscribes.
    func connect(
        name: String?,
        password: String? = nil,
        untilPrompt: Bool = false,
        on loop: (any EventLoop)? = nil,
        sink: (any ChatLineSink & Sendable)? = nil,
        joinsRoom: Bool = true
    ) async throws -> BenchConnection {
        let context = self.context
        let peer = self.peer
        let endpoint = endpoints[turn.take() % endpoints.count]
        var connection = try await ClientBootstrap(group: loop ?? group.next())
            .connectTimeout(.seconds(30))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = BenchLineHandler(loop: channel.eventLoop, name: name, password: password, sink: sink)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(TLSHandler(context: context))
                    switch peer {
                    case .securechat: break
                    case .mqtt: try sync.addHandler(PeerAdapter(MQTTTranslator()))
                    case .irc: try sync.addHandler(PeerAdapter(IRCTranslator(joinsChannel: joinsRoom)))
                    case .websocket: try sync.addHandler(PeerAdapter(WebSocketTranslator(host: endpoint.host)))
                    }
                    try sync.addHandler(handler)
                    return BenchConnection(
                        channel: channel,
                        handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)
                    )
                }
            }
        do {
            let handler = connection.handler
            let handshake = connection.eventLoop.flatSubmit { handler.value.handshake.futureResult }
            connection.session = try await handshake.get()
            if untilPrompt {
                try await connection.eventLoop.flatSubmit { handler.value.prompt.futureResult }.get()
            }
            if name != nil {
                try await connection.eventLoop.flatSubmit { handler.value.welcome.futureResult }.get()
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }
}
