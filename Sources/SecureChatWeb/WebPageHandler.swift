import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Answers the HTTP requests of a web connection: the page's files, and a clear refusal for everything else. A
/// WebSocket handshake for `/chat` that the upgrader accepted never reaches it; one it refused does, with the reason
/// (the upgrader reports it as an error first, see ``errorCaught(context:error:)``).
///
/// Only `GET` (a body is read and ignored); answers are small and complete, so a connection holds no request state
/// between requests. A request that asked for an upgrade and did not get one closes the connection after its answer. A connection that has made ``WebSettings/maximumRequestsPerConnection`` requests is closed.
final class WebPageHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let settings: WebSettings
    private var head: HTTPRequestHead?
    /// Why the upgrader refused the handshake of the current request.
    private var refusal: WebUpgradeRefusal?
    private var requests = 0

    init(settings: WebSettings) {
        self.settings = settings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            requests += 1
            respond(to: head, context: context)
            refusal = nil
        }
    }

    /// The upgrader's refusal of a handshake comes as an error, just before the request itself: kept for the answer,
    /// and not passed on (it is the client's mistake, answered here, not the connection's failure).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let error as WebUpgradeRefusal:
            refusal = error
        case let error as NIOWebSocketUpgradeError where error == .invalidUpgradeHeader:
            refusal = WebUpgradeRefusal(.badRequest, "a WebSocket handshake needs Sec-WebSocket-Version 13 and a key")
        case is NIOWebSocketUpgradeError:
            refusal = WebUpgradeRefusal(.badRequest, "not a WebSocket handshake this server accepts")
        default:
            context.fireErrorCaught(error)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path =
            head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
            ?? head.uri
        // A request that asked for an upgrade and did not get one is the last: NIO's decoder stops parsing after it
        // (the bytes after an upgrade request belong to the new protocol), so nothing more could be answered.
        let askedToUpgrade =
            head.headers.contains(name: "Upgrade")
            || head.headers[canonicalForm: "Connection"].contains { $0.lowercased() == "upgrade" }
        let keepAlive = head.isKeepAlive && requests < settings.maximumRequestsPerConnection && !askedToUpgrade
        if head.method != .GET {
            send(
                .methodNotAllowed,
                text: "only GET is served here\n",
                extra: [("Allow", "GET")],
                keepAlive: false,
                context: context
            )
        } else if let refusal, path == WebSettings.chatPath {
            send(refusal.status, text: refusal.reason + "\n", keepAlive: false, context: context)
        } else if path == WebSettings.chatPath, askedToUpgrade, requests > 1 {
            send(
                .badRequest,
                text: "the WebSocket handshake must be the first request of a connection\n",
                keepAlive: false,
                context: context
            )
        } else if path == WebSettings.chatPath {
            send(
                .badRequest,
                text: "open a WebSocket here (subprotocol \(WebSettings.subprotocol)); the page is at /\n",
                keepAlive: false,
                context: context
            )
        } else if path == "/favicon.ico" {
            // Browsers ask for it whatever the page says; "no content" keeps their console free of a 404.
            send(.noContent, contentType: nil, body: [], keepAlive: keepAlive, context: context)
        } else if let asset = WebAssets.asset(at: path) {
            send(.ok, contentType: asset.contentType, body: asset.bytes, keepAlive: keepAlive, context: context)
        } else {
            send(.notFound, text: "not found\n", keepAlive: keepAlive, context: context)
        }
    }

    private func send(
        _ status: HTTPResponseStatus,
        text: String,
        extra: [(String, String)] = [],
        keepAlive: Bool,
        context: ChannelHandlerContext
    ) {
        send(
            status,
            contentType: "text/plain; charset=utf-8",
            body: Array(text.utf8),
            extra: extra,
            keepAlive: keepAlive,
            context: context
        )
    }

    private func send(
        _ status: HTTPResponseStatus,
        contentType: String?,
        body: [UInt8],
        extra: [(String, String)] = [],
        keepAlive: Bool,
        context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders([
            ("Content-Security-Policy", WebAssets.contentSecurityPolicy),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
            ("Cache-Control", "no-cache"),
        ])
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        // A 204 has no body and says no length (RFC 9110 8.6).
        if status != .noContent { headers.add(name: "Content-Length", value: "\(body.count)") }
        headers.add(contentsOf: extra)
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let response = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if !body.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))),
                promise: nil
            )
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension WebPageHandler: Sendable {}
