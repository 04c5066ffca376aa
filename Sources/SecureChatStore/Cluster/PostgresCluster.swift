import ChatCore
public import Logging
internal import PostgresNIO
import Synchronization

/// This server's membership of a cluster of servers sharing one PostgreSQL database (docs/CLUSTER.md): its node
/// number, its heartbeat and lease, the removal of nodes whose lease ran out, and the events the nodes send each
/// other (rows of `cluster_events`, announced with `NOTIFY` in the transaction that writes them, heard on a
/// connection of its own and caught up from the table after that connection was lost).
///
/// What it has to say goes to one handler, one change at a time, in order (``Change``).
public final class PostgresCluster: Sendable {
    public struct Settings: Sendable {
        /// How long a node may go without a heartbeat before the others remove it.
        public var lease: Duration = .seconds(10)
        /// What the node calls itself in `cluster_nodes` (its listening address), for the operator.
        public var address: String = ""
        /// How far back catching up reaches beyond the last event heard (the longest a transaction writing events
        /// may take to commit).
        public var catchUpMargin: Duration = .seconds(10)
        /// How long events are kept in the table (any node prunes older ones); a node that has heard nothing for
        /// longer gives itself up rather than miss events.
        public var eventRetention: Duration = .seconds(600)

        public init() {}
    }

    /// A node's number and its incarnation (which changes with every joining, so a node that was removed and
    /// joined again is not taken for its old self).
    public struct Membership: Sendable, Equatable {
        public let node: UInt16
        public let incarnation: Int64
    }

    public enum Change: Sendable, Equatable {
        /// An event from another node, or a removal this node made (``ClusterEvent/removal``), in commit order.
        case event(ClusterEvent)
        /// This node is no longer a member (why, in the verdict): it must stop taking logins and close its users'
        /// sessions, whose names the others may hand out again. It tries to join again by itself.
        case fenced(NodeLease.Verdict)
        /// This node joined again, under a new membership.
        case rejoined(Membership)
    }

    public enum ClusterError: Error, Equatable {
        /// The call needs a membership this node does not hold (it was fenced, or the call is from before).
        case notAMember
    }

    private struct State {
        var membership: Membership?
        var lease: NodeLease
        var handler: (@Sendable (Change) -> Void)?
        var seen = SeenEvents()
        /// When the listener was last known to have heard everything committed (an event heard, this node's own
        /// heartbeat tick heard, a catch-up done): the next catching-up starts a margin before it.
        var heardAt: ContinuousClock.Instant
        /// The heartbeat ticks sent and not heard back yet: sequence number and when it was sent.
        var ticks: [(sequence: Int64, sentAt: ContinuousClock.Instant)] = []
        var nextTick: Int64 = 0
        var listener: PostgresConnection?
        /// The listening connection's backend process id, for logs and tests.
        var listenerBackend: Int32?
        /// How many times the listener connected.
        var listenerConnections = 0
        var stopped = false
    }

    let store: PostgresMessageStore
    public let settings: Settings
    /// The cluster's logger, naming the node number held now (a node that joins again may get another number).
    var logger: Logger { nodeLogger.withLock { $0 } }
    private let nodeLogger: Mutex<Logger>
    private let state: Mutex<State>
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let outbox: ClusterOutbox
    private let clock = ContinuousClock()
    /// Held while the handler runs: the heartbeat and the listener both have things to say, one at a time.
    private let telling = Mutex(())

    private init(
        store: PostgresMessageStore,
        settings: Settings,
        membership: Membership,
        joinedAt: ContinuousClock.Instant,
        logger: Logger
    ) {
        self.store = store
        self.settings = settings
        let startLogger = Self.logger(logger, naming: membership.node)
        self.nodeLogger = Mutex(startLogger)
        self.state = Mutex(
            State(
                membership: membership,
                lease: NodeLease(duration: settings.lease, joinedAt: joinedAt),
                heardAt: joinedAt
            )
        )
        let target = PublisherTarget()
        self.outbox = ClusterOutbox(
            write: { bodies in try await target.publish(bodies) },
            dropped: { count, error in
                // The node's number now: it may have joined again under another.
                let logger = target.cluster.withLock { $0.cluster }?.logger ?? startLogger
                logger.warning("\(count) event(s) for the other nodes not sent: \(error)")
            }
        )
        target.cluster.withLock { $0.cluster = self }
    }

    /// Joins the cluster of the database `store` is on, under the smallest node number free.
    public static func join(
        store: PostgresMessageStore,
        settings: Settings,
        logger: Logger
    ) async throws -> PostgresCluster {
        let joinedAt = ContinuousClock().now
        let membership = try await register(store: store, address: settings.address, logger: logger)
        store.recordPresence(asNode: membership.node)
        Self.logger(logger, naming: membership.node).notice(
            "joined the cluster as node \(membership.node) (lease \(settings.lease))"
        )
        return PostgresCluster(
            store: store,
            settings: settings,
            membership: membership,
            joinedAt: joinedAt,
            logger: logger
        )
    }

    private static func logger(_ logger: Logger, naming node: some CustomStringConvertible) -> Logger {
        var logger = logger
        logger[metadataKey: "node"] = "\(node)"
        return logger
    }

    /// The membership held now; nil while fenced.
    public var membership: Membership? { state.withLock { $0.membership } }

    /// Starts the heartbeat and the listener; every change goes to `handler`, one at a time.
    public func start(_ handler: @escaping @Sendable (Change) -> Void) {
        state.withLock { $0.handler = handler }
        let heartbeat = Task { await self.heartbeatLoop() }
        let listener = Task { await self.listenLoop() }
        tasks.withLock { $0 = [heartbeat, listener] }
    }

    /// Leaves the cluster: stops the heartbeat and the listener, sends what is queued (the leaving of this node's
    /// users, say; for up to five seconds), and deletes this node's row (its names with it).
    public func leave() async {
        let listener = state.withLock { state in
            state.stopped = true
            return state.listener
        }
        for task in tasks.withLock({ $0 }) { task.cancel() }
        try? await listener?.close()
        for task in tasks.withLock({ $0 }) {
            await store.stopWithin(.seconds(5), "the cluster's heartbeat or listener") { await task.value }
        }
        await outbox.close(timeout: .seconds(5))
        let membership = state.withLock { state in
            defer { state.membership = nil }
            return state.membership
        }
        guard let membership else { return }
        let logger = self.logger
        do {
            try await store.run { client in
                try await client.query(
                    "DELETE FROM cluster_nodes WHERE id = \(Int32(membership.node)) AND incarnation = \(membership.incarnation)",
                    logger: logger
                )
            }
            logger.notice("left the cluster")
        } catch {
            logger.warning(
                "could not leave the cluster (the others remove this node when its lease runs out): \(error)"
            )
        }
    }

    // MARK: Events

    /// Queues `body` for the other nodes, after everything this node queued before, without waiting (a failure is
    /// logged: nothing of a fenced node is ever sent).
    public func relay(_ body: String) {
        outbox.send([body])
    }

    /// Sends `bodies` to the other nodes, in this order and after everything this node queued before; returns their
    /// ids once they are committed. Fails with ``ClusterError/notAMember`` once this node was fenced: nothing
    /// of a removed node is ever sent.
    @discardableResult
    public func publish(_ bodies: [String]) async throws -> [Int64] {
        let outbox = self.outbox
        do {
            return try await PostgresMessageStore.withDeadline(store.operationTimeout) {
                try await outbox.sendConfirmed(bodies)
            }
        } catch let error as ClusterError {
            throw error
        } catch {
            throw PostgresMessageStore.storeError(error)
        }
    }

    /// Writes `bodies` as events of `membership` and notifies them, in one statement: none if the node is not a
    /// member any more (its row is locked against removal until the commit).
    static func insertEvents(
        _ bodies: [String],
        as membership: Membership,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in try await connection.query(
            """
            WITH member AS (
                SELECT id FROM cluster_nodes
                WHERE id = \(Int32(membership.node)) AND incarnation = \(membership.incarnation) FOR KEY SHARE
            ),
            events AS (
                INSERT INTO cluster_events (node, body)
                SELECT member.id, b.body FROM member, unnest(\(bodies)::text[]) WITH ORDINALITY AS b(body, ordinal)
                ORDER BY b.ordinal
                RETURNING id, node, body
            )
            SELECT n.id FROM (
                SELECT e.id, pg_notify(
                    \(ClusterNotification.channel),
                    e.id || ' ' || e.node || CASE WHEN octet_length(e.body) <= \(ClusterNotification.inlineLimit)
                                                   THEN ' ' || e.body ELSE '' END
                ) AS notified
                FROM (SELECT * FROM events ORDER BY id) e
            ) n
            """,
            logger: logger
        ).decode(Int64.self) {
            ids.append(id)
        }
        guard ids.count == bodies.count else { throw ClusterError.notAMember }
        return ids
    }

    /// Where the outbox writes: the cluster, known once it exists (the outbox is made before `self` is whole), and
    /// held weakly (the cluster holds the outbox).
    private final class PublisherTarget: Sendable {
        struct Reference: Sendable {
            weak var cluster: PostgresCluster?
        }

        let cluster = Mutex(Reference())

        func publish(_ bodies: [String]) async throws -> [Int64] {
            guard let cluster = cluster.withLock({ $0.cluster }) else { throw ClusterError.notAMember }
            guard let membership = cluster.membership else { throw ClusterError.notAMember }
            let logger = cluster.logger
            do {
                // Bounded like every store call: a database that stopped answering is retried, not waited for.
                return try await PostgresMessageStore.withDeadline(cluster.store.operationTimeout) {
                    try await cluster.store.client.withConnection { connection in
                        try await PostgresCluster.insertEvents(bodies, as: membership, on: connection, logger: logger)
                    }
                }
            } catch ClusterError.notAMember {
                cluster.fence(.removed)
                throw ClusterError.notAMember
            }
        }
    }

    // MARK: Membership

    /// Inserts a node row under the smallest free number (retrying when another node took it at the same moment).
    private static func register(
        store: PostgresMessageStore,
        address: String,
        logger: Logger
    ) async throws -> Membership {
        for _ in 0..<10 {
            let row = try await store.run { client -> (Int32, Int64)? in
                for try await row in try await client.query(
                    """
                    INSERT INTO cluster_nodes (id, address)
                    SELECT n, \(address) FROM generate_series(1, 65535) n
                    WHERE NOT EXISTS (SELECT 1 FROM cluster_nodes WHERE id = n)
                    ORDER BY n LIMIT 1
                    ON CONFLICT (id) DO NOTHING
                    RETURNING id, incarnation
                    """,
                    logger: logger
                ).decode((Int32, Int64).self) {
                    return row
                }
                return nil
            }
            if let (node, incarnation) = row { return Membership(node: UInt16(node), incarnation: incarnation) }
        }
        throw StoreError.storageFailed("no free node number (65535 nodes, or too many joining at once)")
    }

    /// Gives up the membership (once) and tells the handler. The row stays: another node removes it when its lease
    /// runs out and announces its users' leaving, as for a node that died.
    func fence(_ verdict: NodeLease.Verdict) {
        let wasMember = state.withLock { state in
            defer { state.membership = nil }
            return state.membership != nil
        }
        guard wasMember else { return }
        logger.error(
            "no longer a member of the cluster (\(verdict == .removed ? "removed by another node" : "no heartbeat confirmed for \(settings.lease * 3 / 4)")): taking no logins and closing every session until it joins again"
        )
        tell(.fenced(verdict))
    }

    /// Hands `change` to the handler, never two at once.
    private func tell(_ change: Change) {
        guard let handler = state.withLock({ $0.handler }) else { return }
        telling.withLock { _ in handler(change) }
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled, !state.withLock({ $0.stopped }) {
            let interval = state.withLock { $0.lease.heartbeatInterval }
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            guard let membership = self.membership else {
                await rejoin()
                continue
            }
            // A process that was paused learns it here, before it acts on a membership it may have lost.
            if state.withLock({ $0.lease.verdict(at: clock.now) }) != .member {
                fence(.expired)
                continue
            }
            let sentAt = clock.now
            let logger = self.logger
            // A slow answer still counts until the node would give itself up (a loaded database is not a lost one).
            let patience = max(interval, state.withLock { $0.lease.confirmedAt + $0.lease.selfExpiry } - sentAt)
            let tick = state.withLock { state -> String in
                defer { state.nextTick += 1 }
                state.ticks.append((state.nextTick, sentAt))
                if state.ticks.count > 64 { state.ticks.removeFirst() }
                return ClusterNotification.tick(
                    node: membership.node,
                    incarnation: membership.incarnation,
                    sequence: state.nextTick
                )
            }
            do {
                let confirmed = try await PostgresMessageStore.withDeadline(patience) { [store] in
                    // The tick goes out with the heartbeat's commit (and not at all if the row is gone).
                    try await store.client.query(
                        """
                        WITH beat AS (
                            UPDATE cluster_nodes SET heartbeat_at = now()
                            WHERE id = \(Int32(membership.node)) AND incarnation = \(membership.incarnation)
                            RETURNING id
                        )
                        SELECT id, pg_notify(\(ClusterNotification.channel), \(tick))::text FROM beat
                        """,
                        logger: logger
                    ).collect().count == 1
                }
                let verdict = state.withLock { $0.lease.heartbeat(sentAt: sentAt, confirmed: confirmed) }
                if verdict != .member {
                    fence(verdict)
                    continue
                }
                try await sweep(as: membership)
            } catch {
                logger.debug("heartbeat failed: \(error)")
                if state.withLock({ $0.lease.verdict(at: clock.now) }) != .member { fence(.expired) }
            }
        }
    }

    private func rejoin() async {
        let joinedAt = clock.now
        guard let membership = try? await Self.register(store: store, address: settings.address, logger: logger) else {
            return
        }
        store.recordPresence(asNode: membership.node)
        state.withLock { state in
            state.membership = membership
            state.lease = NodeLease(duration: settings.lease, joinedAt: joinedAt)
        }
        nodeLogger.withLock { $0 = Self.logger($0, naming: membership.node) }
        logger.notice("joined the cluster again as node \(membership.node)")
        tell(.rejoined(membership))
    }

    /// Removes the nodes whose lease ran out (their names with them) and announces each removal; prunes old events.
    private func sweep(as membership: Membership) async throws {
        let logger = self.logger
        let lease = Self.seconds(settings.lease)
        let expired = try await store.run { client -> [Membership] in
            var rows: [Membership] = []
            for try await (node, incarnation) in try await client.query(
                """
                SELECT id, incarnation FROM cluster_nodes
                WHERE heartbeat_at < now() - make_interval(secs => \(lease))
                """,
                logger: logger
            ).decode((Int32, Int64).self) {
                rows.append(Membership(node: UInt16(node), incarnation: incarnation))
            }
            return rows
        }
        if !expired.isEmpty {
            let events = try await Self.remove(nodes: expired, by: membership, store: store, logger: logger)
            state.withLock { state in
                for event in events { _ = state.seen.insert(event.id, at: clock.now) }
            }
            for event in events { tell(.event(event)) }
        }
        let retention = Self.seconds(settings.eventRetention)
        try await store.run { client in
            try await client.query(
                "DELETE FROM cluster_events WHERE at < now() - make_interval(secs => \(retention))",
                logger: logger
            )
        }
    }

    /// Removes `nodes` (each only if still in that incarnation) with their names, and announces each removal as an
    /// event of `remover`, in the same transaction.
    private static func remove(
        nodes: [Membership],
        by remover: Membership,
        store: PostgresMessageStore,
        logger: Logger
    ) async throws -> [ClusterEvent] {
        try await store.transaction { connection in
            var events: [ClusterEvent] = []
            for node in nodes {
                let locked =
                    try await connection.query(
                        """
                        SELECT id FROM cluster_nodes WHERE id = \(Int32(node.node)) AND incarnation = \(node.incarnation)
                        FOR UPDATE
                        """,
                        logger: logger
                    ).collect().count == 1
                guard locked else { continue }
                var names: [String] = []
                for try await name in try await connection.query(
                    "DELETE FROM cluster_names WHERE node = \(Int32(node.node)) RETURNING display_name",
                    logger: logger
                ).decode(String.self) {
                    names.append(name)
                }
                // Its users' time online ends at its last heartbeat (for `wholast` and history).
                try await connection.query(
                    """
                    UPDATE presence_intervals SET end_at = greatest(start_at, (
                        SELECT (extract(epoch FROM heartbeat_at) * 1000)::bigint FROM cluster_nodes
                        WHERE id = \(Int32(node.node))))
                    WHERE node = \(Int32(node.node)) AND end_at IS NULL
                    """,
                    logger: logger
                )
                try await connection.query(
                    "DELETE FROM cluster_nodes WHERE id = \(Int32(node.node)) AND incarnation = \(node.incarnation)",
                    logger: logger
                )
                logger.warning("node \(node.node) removed from the cluster (lease ran out) with \(names.count) user(s)")
                let body = ClusterEvent.removal(of: node.node, names: names.sorted())
                let ids = try await insertEvents([body], as: remover, on: connection, logger: logger)
                events.append(ClusterEvent(id: ids[0], node: remover.node, body: body))
            }
            return events
        }
    }

    // MARK: Listening

    /// Test hook: the backend process id of the listening connection, once it is connected.
    public var _testOnly_listenerBackend: Int32? { state.withLock { $0.listenerBackend } }

    /// Test hook: how many times the listener connected.
    public var _testOnly_listenerConnections: Int { state.withLock { $0.listenerConnections } }

    private func listenLoop() async {
        while !Task.isCancelled, !state.withLock({ $0.stopped }) {
            do {
                // Bounded: a connection attempt that never ends would leave this node deaf for good.
                let configuration = try store.configuration.connectionConfiguration()
                let logger = self.logger
                let connection = try await PostgresMessageStore.withDeadline(
                    .seconds(store.configuration.connectTimeout),
                    { try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger) },
                    late: { try? await $0.close() }
                )
                let keep = state.withLock { state -> Bool in
                    guard !state.stopped else { return false }
                    state.listener = connection
                    return true
                }
                guard keep else {
                    try? await connection.close()
                    return
                }
                let backend = try await connection.query("SELECT pg_backend_pid()", logger: logger).collect().first?
                    .decode(Int32.self)
                state.withLock { state in
                    state.listenerBackend = backend
                    state.listenerConnections += 1
                }
                try await connection.listen(on: ClusterNotification.channel) { notifications in
                    try await self.catchUp(on: connection)
                    for try await notification in notifications {
                        if let tick = ClusterNotification.parseTick(notification.payload) {
                            self.heard(tick)
                            continue
                        }
                        guard let (id, node, body) = ClusterNotification.parse(notification.payload) else { continue }
                        try await self.handle(id: id, node: node, body: body, on: connection)
                    }
                }
            } catch {
                logger.warning(
                    "cluster listener lost its connection (catching up when it is back): \(PostgresMessageStore.describe(error))"
                )
            }
            let connection = state.withLock { state in
                defer {
                    state.listener = nil
                    state.listenerBackend = nil
                }
                return state.listener
            }
            try? await connection?.close()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Hands on every event committed since shortly before the last one heard (the listener was not connected
    /// then, and `NOTIFY` does not replay), in id order, skipping those handled already. Nothing is forgotten while
    /// it runs (``deliver(_:catchingUp:)``), and the point the next catch-up starts from moves only once it is done:
    /// one that fails half-way is read again from the same point.
    private func catchUp(on connection: PostgresConnection) async throws {
        let now = clock.now
        let since = state.withLock { now - $0.heardAt }
        if since > settings.eventRetention - settings.catchUpMargin {
            fence(.expired)
            return
        }
        let window = since + settings.catchUpMargin
        let seconds = Self.seconds(window)
        for try await (id, node, body) in try await connection.query(
            """
            SELECT id, node, body FROM cluster_events
            WHERE at >= now() - make_interval(secs => \(seconds)) ORDER BY id
            """,
            logger: logger
        ).decode((Int64, Int32, String).self) {
            deliver(ClusterEvent(id: id, node: UInt16(node), body: body), catchingUp: true)
        }
        state.withLock { $0.heardAt = max($0.heardAt, now) }
    }

    private func handle(id: Int64, node: UInt16, body: String?, on connection: PostgresConnection) async throws {
        if let body {
            deliver(ClusterEvent(id: id, node: node, body: body))
            return
        }
        for try await body in try await connection.query(
            "SELECT body FROM cluster_events WHERE id = \(id)",
            logger: logger
        ).decode(String.self) {
            deliver(ClusterEvent(id: id, node: node, body: body))
        }
    }

    /// Hands `event` to the handler unless it is this node's own or was handed on before.
    ///
    /// A catch-up reads again every event committed since a margin before the last one heard (`heardAt`): an event
    /// in that window was seen no earlier than the window's start, so the ids seen before it may be forgotten, and
    /// no others. A quiet chat keeps `heardAt` (and so what is remembered) where the last event left it. While
    /// `catchingUp`, nothing is forgotten and `heardAt` stays: the whole window is still being read.
    private func deliver(_ event: ClusterEvent, catchingUp: Bool = false) {
        let isNew = state.withLock { state -> Bool in
            let now = clock.now
            if !catchingUp {
                state.seen.forget(before: state.heardAt - settings.catchUpMargin)
                state.heardAt = now
            }
            return event.node != state.membership?.node && state.seen.insert(event.id, at: now)
        }
        if isNew { tell(.event(event)) }
    }

    /// This node's own heartbeat tick came back: everything committed before it was sent has been heard, so a quiet
    /// chat does not leave the next catch-up reaching back to its last event (nor a node giving itself up after a
    /// short outage because nothing was said for the events' whole retention).
    private func heard(_ tick: (node: UInt16, incarnation: Int64, sequence: Int64)) {
        state.withLock { state in
            guard let membership = state.membership, tick.node == membership.node,
                tick.incarnation == membership.incarnation,
                let index = state.ticks.firstIndex(where: { $0.sequence == tick.sequence })
            else { return }
            let sentAt = state.ticks[index].sentAt
            state.ticks.removeFirst(index + 1)
            state.seen.forget(before: state.heardAt - settings.catchUpMargin)
            state.heardAt = max(state.heardAt, sentAt)
        }
    }

    /// `duration` in seconds, for PostgreSQL's intervals.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
