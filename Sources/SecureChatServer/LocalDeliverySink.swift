import ChatCore
import CoreMetrics
import Logging
import NIOCore
import SecureChatTLS
import SecureChatWeb
import Synchronization

/// The ``DeliverySink`` of a server that runs alone, and the registry of its live connections.
///
/// A delivery is formatted once, and each event loop receives one task that writes the shared bytes to all of its
/// recipients; the loop's ``LoopOutbox`` flushes each recipient once per turn. Connections register and unregister
/// from their event loop under a mutex, so one that never logs in never needs a task.
final class LocalDeliverySink: DeliverySink {
    private struct Registry {
        var endpoints: [ConnectionID: RoomEndpoint] = [:]
        /// One per event loop, made on the first registration from it; see ``LoopOutbox``.
        var outboxes: [ObjectIdentifier: LoopOutbox] = [:]
        /// The verified client certificates of logged-in connections, for revocation checks on reload.
        var certificates: [ConnectionID: PeerIdentity] = [:]
        var shuttingDown = false
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []

        /// Takes the waiters if nobody is left, for the caller to resume outside the lock.
        mutating func waitersIfEmpty() -> [CheckedContinuation<Void, Never>] {
            guard endpoints.isEmpty else { return [] }
            defer { emptyWaiters = [] }
            return emptyWaiters
        }
    }

    private let registry = Mutex(Registry())
    /// Whether room lines are handed straight to each channel's TLS handler (see ``RoomEndpoint``).
    private let directTLSWrites: Bool
    /// The types of the handlers every channel's pipeline holds after its TLS handler.
    private let handlersAfterTLS: [any ChannelHandler.Type]
    /// Counts lines handed to recipients (one line to one recipient is one delivery).
    private let deliveries: CoreMetrics.Counter?
    private let logger: Logger

    /// A sink that, with `directTLSWrites`, hands room lines straight to each channel's TLS handler, unless one of
    /// `handlersAfterTLS` (what every pipeline holds after TLS) takes outbound events.
    init(
        directTLSWrites: Bool,
        handlersAfterTLS: [any ChannelHandler.Type] = [],
        deliveries: CoreMetrics.Counter? = nil,
        logger: Logger
    ) {
        self.directTLSWrites = directTLSWrites
        self.handlersAfterTLS = handlersAfterTLS
        self.deliveries = deliveries
        self.logger = logger
    }

    /// Whether the server is shutting down (no new connections are kept).
    var isShuttingDown: Bool { registry.withLock { $0.shuttingDown } }

    /// Starts carrying deliveries for `connection` over `channel`; during shutdown the channel is closed at once.
    /// Call from the channel's event loop.
    func register(_ connection: ConnectionID, channel: any Channel) {
        let endpoint = RoomEndpoint(
            channel: channel,
            directTLSWrites: directTLSWrites,
            handlersAfterTLS: handlersAfterTLS,
            logger: logger
        )
        let refused = registry.withLock { registry -> Bool in
            guard !registry.shuttingDown else { return true }
            registry.endpoints[connection] = endpoint
            if registry.outboxes[endpoint.loopID] == nil {
                registry.outboxes[endpoint.loopID] = LoopOutbox(loop: endpoint.loop)
            }
            return false
        }
        guard refused else { return }
        let bye = ReplyFormatter.bytes(for: .bye("server is shutting down"))
        channel.writeAndFlush(channel.allocator.buffer(bytes: bye), promise: nil)
        channel.close(promise: nil)
    }

    /// Writes to `connection` through its pipeline from now on, not straight to its TLS handler: for a connection
    /// that became a web connection (its lines go out as WebSocket frames). Call from the channel's event loop.
    func writeThroughPipeline(_ connection: ConnectionID) {
        registry.withLock { registry in
            guard let endpoint = registry.endpoints[connection], endpoint.writesDirectly else { return }
            endpoint.isReplaced = true
            registry.endpoints[connection] = RoomEndpoint(
                channel: endpoint.channel,
                directTLSWrites: false,
                handlersAfterTLS: [],
                logger: logger
            )
        }
    }

    /// Writes to `connection`, whose WebSocket has just opened, as text frames made once per delivery and event
    /// loop and handed straight to its TLS handler (with direct writes on; otherwise through the pipeline, as since
    /// ``writeThroughPipeline(_:)``). Call from the channel's event loop.
    func writeAsWebSocket(_ connection: ConnectionID, channel: any Channel) {
        guard directTLSWrites, let writer = WebSocketDirectWriter(channel: channel) else { return }
        let endpoint = RoomEndpoint(webSocket: channel, writer: writer)
        registry.withLock { registry in
            guard let replaced = registry.endpoints[connection] else { return }
            replaced.isReplaced = true
            registry.endpoints[connection] = endpoint
        }
    }

    /// Stops carrying deliveries for `connection`. Safe to call from the channel's event loop.
    func unregister(_ connection: ConnectionID) {
        let waiters = registry.withLock { registry in
            registry.endpoints[connection] = nil
            registry.certificates[connection] = nil
            return registry.waitersIfEmpty()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Remembers the verified client certificate of a logged-in connection, for revocation checks on reload.
    func attach(_ certificate: PeerIdentity, to connection: ConnectionID) {
        registry.withLock { $0.certificates[connection] = certificate }
    }

    /// The peer's address and verified client certificate of a logged-in connection, for the operator's `who`.
    func peer(of connection: ConnectionID) -> (address: SocketAddress?, certificate: PeerIdentity?)? {
        registry.withLock { registry in
            registry.endpoints[connection].map { ($0.channel.remoteAddress, registry.certificates[connection]) }
        }
    }

    /// The connections whose certificate `isRevoked` says is revoked.
    func connections(withCertificate isRevoked: (PeerIdentity) -> Bool) -> [(ConnectionID, PeerIdentity)] {
        registry.withLock { registry in registry.certificates.filter { isRevoked($0.value) }.map { ($0.key, $0.value) }
        }
    }

    func deliver(_ replies: [ServerReply], to connections: [ConnectionID]) {
        guard !replies.isEmpty, !connections.isEmpty else { return }
        var bytes = ReplyFormatter.bytes(for: replies[0])
        for reply in replies.dropFirst() { bytes += ReplyFormatter.bytes(for: reply) }
        // One list per event loop; a server has a handful of loops, so a linear search beats hashing.
        var byLoop: [(outbox: LoopOutbox, endpoints: [RoomEndpoint])] = []
        registry.withLock { registry in
            for connection in connections {
                guard let endpoint = registry.endpoints[connection] else { continue }
                if let index = byLoop.firstIndex(where: { $0.outbox.loopID == endpoint.loopID }) {
                    byLoop[index].endpoints.append(endpoint)
                } else if let outbox = registry.outboxes[endpoint.loopID] {
                    var endpoints: [RoomEndpoint] = []
                    endpoints.reserveCapacity(connections.count)
                    endpoints.append(endpoint)
                    byLoop.append((outbox, endpoints))
                }
            }
        }
        if let deliveries {
            deliveries.increment(by: Int64(byLoop.reduce(0) { $0 + $1.endpoints.count } * replies.count))
        }
        for (outbox, targets) in byLoop {
            outbox.loop.execute {
                // A buffer per loop: every recipient's write takes a reference to it, and one loop's references
                // should not bounce the other loop's cache lines.
                outbox.write(ByteBuffer(bytes: bytes), to: targets)
            }
        }
    }

    func isOpen(_ connection: ConnectionID) -> Bool {
        registry.withLock { $0.endpoints[connection]?.channel }?.isActive ?? false
    }

    /// Closes `connection` after the deliveries already handed to its loop.
    func close(_ connection: ConnectionID) {
        guard let channel = registry.withLock({ $0.endpoints[connection]?.channel }) else { return }
        Self.flushAndClose(channel)
    }

    /// Tells every connection `replies` and closes them all, for good or not.
    func closeEveryone(with replies: [ServerReply]) {
        let channels = registry.withLock { $0.endpoints.mapValues(\.channel) }
        deliver(replies, to: Array(channels.keys))
        for channel in channels.values {
            Self.flushAndClose(channel)
        }
    }

    /// Tells every connection the server is going away and closes them all.
    func shutDown() {
        let channels = registry.withLock { registry in
            registry.shuttingDown = true
            return registry.endpoints.mapValues(\.channel)
        }
        deliver([.serverShuttingDown, .bye("server is shutting down")], to: Array(channels.keys))
        for channel in channels.values {
            Self.flushAndClose(channel)
        }
    }

    /// Returns once every registered connection has finished (or after `timeout`).
    func waitUntilEveryoneLeft(timeout: Duration) async {
        let timer = Task { [weak self] in
            // Cancelled (everyone left in time): release nobody.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.releaseEmptyWaiters()
        }
        await withCheckedContinuation { continuation in
            let empty = registry.withLock { registry -> Bool in
                guard !registry.endpoints.isEmpty else { return true }
                registry.emptyWaiters.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
        timer.cancel()
    }

    private func releaseEmptyWaiters() {
        let waiters = registry.withLock { registry in
            defer { registry.emptyWaiters = [] }
            return registry.emptyWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Closes `channel` after the deliveries already handed to its loop: they are written but may wait for the
    /// outbox's flush, which would otherwise run after the close and lose them.
    private static func flushAndClose(_ channel: any Channel) {
        channel.eventLoop.execute {
            channel.flush()
            channel.close(promise: nil)
        }
    }
}
