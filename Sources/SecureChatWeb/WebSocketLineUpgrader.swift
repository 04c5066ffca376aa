import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The WebSocket handshake of `/chat`: checks the path, the origin (``OriginPolicy``) and the subprotocol, lets
/// NIO's ``NIOWebSocketServerUpgrader`` check the key and write the accept value, and after the `101` puts the frame
/// handlers in front of the connection's ``WebSocketLineBridge`` in place of the ``WebPageHandler``.
///
/// NIO's own upgrader adds its handlers at the end of the pipeline; ours go before the bridge, which already sits
/// in front of the session's handler.
final class WebSocketLineUpgrader: HTTPServerProtocolUpgrader {
    let supportedProtocol = "websocket"
    // Headers the client must also name in `Connection`: none, as for NIO's own upgrader.
    let requiredUpgradeHeaders: [String] = []

    private let settings: WebSettings
    private let policy: OriginPolicy
    private let bridge: WebSocketLineBridge
    private let page: WebPageHandler
    /// Only its key check and accept value are used (its `upgrade` would add handlers at the end of the pipeline).
    private let handshake: NIOWebSocketServerUpgrader

    init(settings: WebSettings, page: WebPageHandler, bridge: WebSocketLineBridge) {
        self.settings = settings
        self.page = page
        self.policy = OriginPolicy(allowedOrigins: settings.allowedOrigins)
        self.bridge = bridge
        self.handshake = NIOWebSocketServerUpgrader(
            maxFrameSize: settings.maximumMessageLength,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, _ in
                channel.eventLoop.makeSucceededFuture(
                    HTTPHeaders([("Sec-WebSocket-Protocol", WebSettings.subprotocol)])
                )
            },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() }
        )
    }

    func buildUpgradeResponse(
        channel: any Channel,
        upgradeRequest: HTTPRequestHead,
        initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        if let refusal = refusal(of: upgradeRequest) {
            return channel.eventLoop.makeFailedFuture(refusal)
        }
        return handshake.buildUpgradeResponse(
            channel: channel,
            upgradeRequest: upgradeRequest,
            initialResponseHeaders: initialResponseHeaders
        )
    }

    /// Why `request` may not become this server's WebSocket, or nil when it may.
    func refusal(of request: HTTPRequestHead) -> WebUpgradeRefusal? {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        guard request.method == .GET, path == WebSettings.chatPath else {
            return WebUpgradeRefusal(.notFound, "the chat's WebSocket is at \(WebSettings.chatPath)")
        }
        let origins = request.headers["Origin"]
        guard origins.count <= 1 else { return WebUpgradeRefusal(.badRequest, "more than one Origin") }
        if let reason = policy.refusal(origin: origins.first, host: request.headers["Host"].first) {
            return WebUpgradeRefusal(.forbidden, reason)
        }
        // Subprotocol names are compared exactly (RFC 6455 4.1): a browser fails a handshake whose answer names a
        // protocol it did not offer in those very letters.
        let offered = request.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
        guard offered.contains(WebSettings.subprotocol) else {
            return WebUpgradeRefusal(
                .badRequest,
                "this chat speaks the WebSocket subprotocol \(WebSettings.subprotocol)"
            )
        }
        return nil
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        context.eventLoop.makeCompletedFuture {
            let pipeline = context.pipeline.syncOperations
            pipeline.removeHandler(page, promise: nil)
            try pipeline.addHandlers(
                [
                    WebSocketFrameEncoder(),
                    ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: settings.maximumMessageLength)),
                    // Answers a frame the decoder refuses (too long, a fragmented or long control frame) with the
                    // close code for it.
                    WebSocketProtocolErrorHandler(),
                ],
                position: .before(bridge)
            )
            bridge.open(context: try pipeline.context(handler: bridge))
        }
    }
}

@available(*, unavailable)
extension WebSocketLineUpgrader: Sendable {}
