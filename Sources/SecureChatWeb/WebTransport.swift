public import NIOCore
import NIOHTTP1
public import SecureChatTLS

/// Turns a connection whose TLS handshake chose HTTP (ALPN `http/1.1`) into a web connection: in place of the line
/// framer, HTTP for the page's files and the WebSocket handshake, and a ``WebSocketLineBridge`` in front of the
/// session's handler, which hears ``WebSocketOpened`` once the WebSocket is open.
public struct WebTransport: Sendable {
    public let settings: WebSettings

    public init(settings: WebSettings) {
        self.settings = settings
    }

    /// Whether a handshake that negotiated `info` is for the web side.
    public func isWeb(_ info: TLSSessionInfo) -> Bool {
        info.applicationProtocol == WebSettings.applicationProtocol
    }

    /// Replaces `framing` (the handler between TLS and `consumer`) with the web side. Call on the channel's event
    /// loop, from the handler that saw the handshake end, before any plaintext has reached `framing`.
    public func takeOver(
        _ pipeline: ChannelPipeline.SynchronousOperations,
        replacing framing: any RemovableChannelHandler,
        before consumer: any ChannelHandler,
        tls: TLSSessionInfo
    ) throws {
        let bridge = WebSocketLineBridge(settings: settings, tls: tls)
        let page = WebPageHandler(settings: settings)
        try pipeline.addHandler(bridge, position: .before(consumer))
        pipeline.removeHandler(framing, promise: nil)
        var limits = NIOHTTPDecoderLimitConfiguration()
        // The request line and every header at most 4 KiB, 16 KiB and 64 headers in all: a browser's requests are
        // far smaller.
        limits.maxHeaderFieldSize = 4096
        limits.maxHeaderListSize = 16 * 1024
        limits.maxHeaderFieldCount = 64
        try pipeline.configureHTTPServerPipeline(
            position: .before(bridge),
            withServerUpgrade: (
                upgraders: [WebSocketLineUpgrader(settings: settings, page: page, bridge: bridge)],
                completionHandler: { _ in }
            ),
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: limits
        )
        try pipeline.addHandler(page, position: .before(bridge))
    }
}
