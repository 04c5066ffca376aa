import ChatCore
import ChatTransport
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Prometheus
import SecureChatStore
import SecureChatTLS

/// Binds the TLS port, gives every admitted connection a `ConnectionSession`, and keeps the store tidy in the
/// background.
struct ChatServer {
    let configuration: ServerConfiguration
    let logger: Logger
    /// Reads the settings again on reload (SIGHUP, `securechat-ctl reload`).
    let reloader: SettingsReloader
    /// The log level every logger of the server follows.
    let levels: LogLevelSwitch
    /// Where `--metrics-listen` scrapes come from: the registry swift-metrics was bootstrapped with.
    var metricsListen: PrometheusCollectorRegistry?
    var notifier = SystemdNotifier()

    /// Runs until SIGTERM or SIGINT; a graceful stop returns normally.
    func run() async throws {
        let tlsContext = TLSContextHolder(try makeTLSContext())
        let store = try await openStore()
        let cluster = try await joinCluster(store)
        let metrics = ServerMetrics(version: ServerOperations.version)
        let delivery = LocalDeliverySink(
            directTLSWrites: true,
            handlersAfterTLS: [LineFramingHandler.self, SessionInputHandler.self],
            deliveries: metrics.deliveries,
            logger: logger
        )
        let service = ChatService(
            store: store,
            // Lock-outs in the store: they hold across restarts (and, on PostgreSQL, for every server).
            directory: cluster.map { PostgresPresenceDirectory(cluster: $0) }
                ?? LocalPresenceDirectory(attempts: store),
            sink: delivery,
            hasher: OpenSSLPasswordHasher(),
            limits: ChatService.Limits(answerByteBudget: Self.answerByteBudget(configuration.outboundQueueLimit)),
            cluster: cluster.map { PostgresClusterLink(cluster: $0) },
            metrics: metrics.chat,
            logger: logger
        )
        cluster?.start { [logger] change in
            Self.handle(change, service: service, delivery: delivery, logger: logger)
        }
        let environment = SessionEnvironment(
            service: service,
            delivery: delivery,
            metrics: metrics,
            configuration: configuration,
            logger: logger
        )
        let gate = ConnectionGate(limits: configuration.admission, metrics: metrics)
        let operations = ServerOperations(
            configuration: configuration,
            environment: environment,
            tlsContext: tlsContext,
            gate: gate,
            reloader: reloader,
            levels: levels,
            notifier: notifier,
            node: { cluster?.membership?.node ?? 0 },
            logger: logger
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoops))
        var control: ControlServer?
        var metricsServer: MetricsServer?
        do {
            if let metricsListen, let address = configuration.metricsListen {
                metricsServer = try await MetricsServer.start(
                    address,
                    registry: metricsListen,
                    group: group,
                    logger: logger
                )
            }
            if let path = configuration.controlSocket {
                control = try await ControlServer.start(path: path, group: group, logger: logger) { command in
                    await operations.answer(command)
                }
            }
            try await serve(
                group: group,
                tlsContext: tlsContext,
                gate: gate,
                environment: environment,
                operations: operations,
                store: store,
                cluster: cluster
            )
        } catch {
            await metricsServer?.close()
            await control?.close()
            await cluster?.leave()
            try? await service.close()
            try? await group.shutdownGracefully()
            throw error
        }
        await metricsServer?.close()
        await control?.close()
        try? await group.shutdownGracefully()
        logger.notice("server stopped", metadata: ["event": "stop"])
    }

    /// How many bytes one `inbox` or `history` answer may take on the wire: 256 KiB, or a quarter of the outbound
    /// queue limit if that is less, so a big answer never makes its own reader look slow (and get dropped).
    static func answerByteBudget(_ outboundQueueLimit: Int) -> Int {
        min(256 * 1024, outboundQueueLimit / 4)
    }

    private func serve(
        group: MultiThreadedEventLoopGroup,
        tlsContext: TLSContextHolder,
        gate: ConnectionGate,
        environment: SessionEnvironment,
        operations: ServerOperations,
        store: any MessageStore,
        cluster: PostgresCluster?
    ) async throws {
        let server = try await bind(
            group: group,
            tlsContext: tlsContext,
            gate: gate,
            environment: environment,
            connectionIDs: ConnectionIDSource(node: { cluster?.membership?.node ?? 0 })
        )
        let address = server.localAddress
        let port = address?.port ?? configuration.port
        logger.info("listening on \(configuration.host):\(port)", metadata: ["event": "listening"])
        logger.info(
            "\(ConnectHint.line(host: configuration.host, port: port, tls: configuration.tls, web: configuration.web != nil))"
        )
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT]) { [notifier] signal in
            notifier.stopping()
            logger.notice("received signal \(signal): shutting down", metadata: ["event": "stopping"])
            server.close(promise: nil)
        }
        defer { signals.cancel() }
        let reloads = SignalWatcher(signals: [SIGHUP]) { _ in
            Task { _ = await operations.reload() }
        }
        defer { reloads.cancel() }
        notifier.ready(status: "listening on \(configuration.host):\(port)")

        let maintenance = Task { await maintainStore(store, operations: operations) }
        // Runs until SIGTERM/SIGINT closes the listening socket.
        try? await server.closeFuture.get()
        // No one joins from now on; tell everyone and close their connections; wait (briefly) until every session has
        // ended, then for the store's background work, and only then close it.
        let service = environment.service
        let delivery = environment.delivery
        service.shutDown()
        delivery.shutDown()
        await delivery.waitUntilEveryoneLeft(timeout: .seconds(4))
        // After the sessions' leaving was sent to the other nodes.
        await cluster?.leave()
        maintenance.cancel()
        await maintenance.value
        try? await store.heartbeat(at: Date())
        do {
            try await service.close()
        } catch {
            logger.error("closing the database failed: \(error)")
        }
    }

    private func makeTLSContext() throws -> TLSContext {
        do {
            return try TLSContext(configuration: configuration.tls)
        } catch {
            throw StartupError("cannot set up TLS: \(error)")
        }
    }

    /// With `--cluster`, joins the cluster of the PostgreSQL database `store` is on, and closes the presence a
    /// crashed server of the same node number left open.
    private func joinCluster(_ store: any MessageStore) async throws -> PostgresCluster? {
        guard configuration.cluster else { return nil }
        guard let postgres = store as? PostgresMessageStore else {
            try? await store.close()
            throw StartupError("--cluster needs a PostgreSQL database (--database postgres://…): see docs/CLUSTER.md")
        }
        var settings = PostgresCluster.Settings()
        settings.lease = configuration.clusterLease
        settings.address = "\(configuration.host):\(configuration.port)"
        do {
            let cluster = try await PostgresCluster.join(store: postgres, settings: settings, logger: logger)
            _ = try await store.closeDanglingPresence(at: Date())
            return cluster
        } catch {
            try? await store.close()
            throw StartupError("cannot join the cluster: \(error)")
        }
    }

    /// What the cluster says, for this server: another node's lines for the users here; fencing, when this node lost
    /// the cluster (its users are told and disconnected: the other nodes may hand out their names by now).
    private static func handle(
        _ change: PostgresCluster.Change,
        service: ChatService,
        delivery: LocalDeliverySink,
        logger: Logger
    ) {
        switch change {
        case .event(let event):
            if let removal = event.removal {
                service.nodeRemoved(holding: removal.names)
            } else if let message = ClusterMessage(body: event.body) {
                service.receive(message)
            } else {
                logger.warning(
                    "an event of another node that this server does not know",
                    metadata: ["id": "\(event.id)"]
                )
            }
        case .fenced:
            let reason = "this server lost contact with the rest of the chat; connect again"
            delivery.closeEveryone(with: [.notice(reason), .bye(reason)])
        case .rejoined(let membership):
            logger.notice("taking logins again as node \(membership.node)")
        }
    }

    /// The store `--database` names, its schema brought up to date and the presence a crash left open closed.
    private func openStore() async throws -> any MessageStore {
        let store: any MessageStore
        if PostgresStoreConfiguration.isPostgresURL(configuration.database) {
            do {
                let postgres = try PostgresStoreConfiguration(
                    url: configuration.database,
                    environment: ProcessInfo.processInfo.environment
                )
                store = try await PostgresMessageStore.connect(postgres, logger: logger)
                logger.info("database: PostgreSQL at \(postgres.redacted)")
            } catch let error as StoreError {
                throw StartupError(error.detail)
            }
        } else {
            do {
                store = try SQLiteMessageStore(path: configuration.database)
            } catch let error as StoreError {
                throw StartupError(error.detail)
            }
        }
        do {
            // A cluster node closes what its own node number left open, once it has one.
            if !configuration.cluster { _ = try await store.closeDanglingPresence(at: Date()) }
        } catch {
            try? await store.close()
            throw StartupError("cannot read the database: \(error)")
        }
        return store
    }

    private func bind(
        group: MultiThreadedEventLoopGroup,
        tlsContext: TLSContextHolder,
        gate: ConnectionGate,
        environment: SessionEnvironment,
        connectionIDs: ConnectionIDSource
    ) async throws -> any Channel {
        let configuration = self.configuration
        let logger = self.logger
        let watermark = ChannelOptions.Types.WriteBufferWaterMark(
            low: configuration.outboundQueueLimit / 2,
            high: configuration.outboundQueueLimit
        )
        let sweepers = IdleSweepers(group: group, timeout: configuration.idleTimeout)
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // The other options are set here, synchronously, not as `childChannelOption`s: the
                        // bootstrap applies each of those through a chain of futures (36 more allocations per
                        // accepted connection for these three).
                        try Self.configure(channel, watermark: watermark)
                        let sync = channel.pipeline.syncOperations
                        if let refusal = gate.admit(channel) {
                            // Refused before any TLS work and before a session exists.
                            var refusedLogger = logger
                            refusedLogger[metadataKey: "peer"] = "\(channel.remoteAddress.map { "\($0)" } ?? "?")"
                            refusedLogger.notice("connection refused: \(refusal)", metadata: ["event": "refused"])
                            try sync.addHandler(RefusalHandler())
                            return
                        }
                        let session = ConnectionSession(
                            id: connectionIDs.next(),
                            channel: channel,
                            environment: environment
                        )
                        // What follows TLS is what the delivery sink was told (`handlersAfterTLS`).
                        try sync.addHandler(TLSHandler(context: tlsContext.context))
                        try sync.addHandler(LineFramingHandler(maximumLineLength: configuration.framedLineLength))
                        try sync.addHandler(
                            SessionInputHandler(
                                session: session,
                                sweeper: sweepers.sweeper(for: channel.eventLoop)
                            )
                        )
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch let error as IOError {
            // IOError's description names the system call (`bind(descriptor:ptr:bytes:)`); the reason is enough.
            let reason = String(cString: strerror(error.errnoCode))
            let advice = error.errnoCode == EADDRINUSE ? " (another server on this port? choose one with --port)" : ""
            throw StartupError("cannot listen on \(configuration.host):\(configuration.port): \(reason)\(advice)")
        } catch {
            throw StartupError("cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
    }

    /// Options of an accepted channel, set before it is registered (so before its first read).
    private static func configure(
        _ channel: any Channel,
        watermark: ChannelOptions.Types.WriteBufferWaterMark
    ) throws {
        guard let options = channel.syncOptions else {
            // NIOPosix's socket channels always have them; should another kind come, that connection is refused
            // (the bootstrap closes a channel whose initializer throws), not the server stopped.
            throw ChannelError.operationUnsupported
        }
        try options.setOption(.maxMessagesPerRead, value: 16)
        // Each channel keeps its receive buffer; start it small (an idle connection holds it for its whole life)
        // and let it grow for bursts.
        try options.setOption(
            .recvAllocator,
            value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 64 * 1024)
        )
        try options.setOption(.writeBufferWaterMark, value: watermark)
    }

    /// Records that the server is alive (so a crash can be dated) and prunes old history, until cancelled.
    private func maintainStore(_ store: any MessageStore, operations: ServerOperations) async {
        var lastPrune = Date.distantPast
        while !Task.isCancelled {
            let now = Date()
            do {
                try await store.heartbeat(at: now)
                if now.timeIntervalSince(lastPrune) > 3600 {
                    let days = operations.configuration.historyDays
                    let pruned = try await store.prune(olderThan: now.addingTimeInterval(-Double(days) * 86400))
                    if pruned > 0 {
                        logger.info("pruned \(pruned) messages older than \(days) days")
                    }
                    lastPrune = now
                }
            } catch {
                logger.error("store maintenance failed: \(error)")
            }
            try? await Task.sleep(for: .seconds(30))
        }
    }
}
