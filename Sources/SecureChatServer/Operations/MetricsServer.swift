import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import Synchronization

/// The metrics connections open now.
private final class OpenConnections: Sendable {
    private let count = Atomic(0)

    /// Counts one more; false (and not counted) when `limit` are open already.
    func take(upTo limit: Int) -> Bool {
        guard count.wrappingAdd(1, ordering: .relaxed).newValue <= limit else {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func give() {
        count.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// Serves the Prometheus text format at `GET /metrics` (`--metrics-listen`); nothing else: every other path is 404,
/// every other method 405, and each connection closes after its answer. A scraper needs one connection for a
/// moment: at most ``maximumConnections`` are open at once (others are closed at once), and one that has not
/// been answered within ``timeout`` is closed, so that the port cannot hold the server's descriptors.
struct MetricsServer {
    static let maximumConnections = 16
    static let timeout = TimeAmount.seconds(10)

    private let channel: any Channel

    static func start(
        _ address: ListenAddress,
        registry: PrometheusCollectorRegistry,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> MetricsServer {
        let open = OpenConnections()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // A channel whose initializer throws is closed by the bootstrap.
                        guard open.take(upTo: Self.maximumConnections) else { throw ChannelError.ioOnClosedChannel }
                        channel.closeFuture.whenComplete { _ in open.give() }
                        let sync = channel.pipeline.syncOperations
                        let deadline = channel.eventLoop.scheduleTask(in: Self.timeout) { channel.close(promise: nil) }
                        channel.closeFuture.whenComplete { _ in deadline.cancel() }
                        try sync.configureHTTPServerPipeline(withErrorHandling: true)
                        try sync.addHandler(MetricsHTTPHandler(registry: registry))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
            let bound = ListenAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
            logger.info("metrics: http://\(bound)/metrics")
            return MetricsServer(channel: channel)
        } catch {
            throw StartupError("cannot serve metrics on \(address): \(error)")
        }
    }

    func close() async {
        try? await channel.close()
    }
}

/// Answers one request per connection: the registry's metrics for `GET /metrics`, an error otherwise.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var request: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let request else { return }
            self.request = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let (status, contentType, body): (HTTPResponseStatus, String, String)
        if path != "/metrics" {
            (status, contentType, body) = (.notFound, "text/plain; charset=utf-8", "only /metrics is served here\n")
        } else if request.method != .GET && request.method != .HEAD {
            (status, contentType, body) = (.methodNotAllowed, "text/plain; charset=utf-8", "use GET\n")
        } else {
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToString())
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil
        )
        if request.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))),
                promise: nil
            )
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }
}
