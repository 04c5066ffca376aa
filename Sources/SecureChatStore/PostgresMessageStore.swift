public import ChatCore
import Foundation
public import Logging
internal import PostgresNIO
import Synchronization

/// The ``MessageStore`` on a PostgreSQL server, for one server or several sharing the database.
///
/// Every write is committed (PostgreSQL's default `synchronous_commit = on`) before its method returns. Concurrent
/// appends share one transaction (``GroupCommitWriter``). Identities and block lists, read on every private message,
/// are cached while ``PostgresLookupListener`` hears every server's changes to them (other servers write the same
/// rows, so a cache that assumed this process the only writer would go stale).
///
/// The connections are a `PostgresClient` pool, run by a task this store owns. When PostgreSQL goes away each call
/// fails within ``operationTimeout`` with ``StoreError/storageFailed`` (the pool would otherwise hold a request for up
/// to a minute), the pool reconnects by itself with backoff, and the loss and the recovery are logged once each.
public final class PostgresMessageStore: MessageStore {
    let client: PostgresClient
    let writer: GroupCommitWriter<NewMessage, StoredMessage>
    let logger: Logger
    let configuration: PostgresStoreConfiguration
    /// Identities and block lists, forgotten when any server changes them.
    let lookups = PostgresLookupListener()
    private let runner: Task<Void, Never>
    private let reachable = Mutex(true)
    /// The server presence and heartbeats are recorded for: 0 for a server that runs alone, the node number in a
    /// cluster (so that a server closes only its own intervals after a crash).
    private let presenceNode = Atomic<Int32>(0)
    private let closed = Atomic(false)

    /// How long one call may wait for PostgreSQL before it fails.
    var operationTimeout: Duration { configuration.operationTimeout }

    private init(configuration: PostgresStoreConfiguration, client: PostgresClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.runner = Task { await client.run() }
        let insertLogger = logger
        self.writer = GroupCommitWriter(store: "postgresql") { messages in
            try await PostgresMessageRows.insert(messages, on: client, logger: insertLogger)
        }
    }

    /// Connects, checks that the database is one this server may use, and brings its schema up to date. Throws
    /// ``StoreError/cannotOpen`` with one line that says what is wrong: the server cannot be reached, refuses the
    /// credentials, has no such database, or holds a schema newer than this server's.
    public static func connect(
        _ configuration: PostgresStoreConfiguration,
        logger: Logger
    ) async throws -> PostgresMessageStore {
        // One plain connection first: a pool keeps retrying a failed connection and would hide why it failed.
        let connection: PostgresConnection
        do {
            connection = try await withDeadline(.seconds(configuration.connectTimeout)) {
                try await PostgresConnection.connect(
                    configuration: try configuration.connectionConfiguration(),
                    id: 0,
                    logger: logger
                )
            }
        } catch {
            throw StoreError.cannotOpen(
                path: configuration.redacted,
                reason: describeConnectFailure(error, configuration)
            )
        }
        do {
            try await PostgresSchema.migrate(on: connection, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            let error = unwrapped(error)
            let reason = (error as? PostgresSchema.Refusal)?.reason ?? "cannot set up the schema: \(describe(error))"
            throw StoreError.cannotOpen(path: configuration.redacted, reason: reason)
        }
        // The pool logs every failed connection attempt at info; this store logs the loss and the recovery once.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(
            configuration: try configuration.clientConfiguration(),
            backgroundLogger: background
        )
        let store = PostgresMessageStore(configuration: configuration, client: client, logger: logger)
        store.lookups.start(
            try configuration.connectionConfiguration(),
            connectTimeout: .seconds(configuration.connectTimeout),
            logger: background
        )
        return store
    }

    public func close() async throws {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        // Each step is bounded: a PostgreSQL client that does not stop (a connection attempt that never ends) must
        // not keep a server from exiting.
        let lookups = self.lookups
        let writer = self.writer
        let runner = self.runner
        await stopWithin(.seconds(5), "the lookup listener") { await lookups.stop() }
        await stopWithin(.seconds(10), "the writer") { await writer.shutdown() }
        runner.cancel()
        await stopWithin(.seconds(5), "the connection pool") { await runner.value }
    }

    /// Waits up to `timeout` for `work`, then goes on without it, saying what did not stop.
    func stopWithin(_ timeout: Duration, _ what: String, _ work: @escaping @Sendable () async -> Void) async {
        guard (try? await Self.withDeadline(timeout, work)) == nil else { return }
        logger.warning("\(what) did not stop within \(timeout.components.seconds) s; going on without it")
    }

    /// The node presence is recorded for (see ``presenceNode``).
    var node: Int32 {
        get { presenceNode.load(ordering: .relaxed) }
    }

    /// Records presence and heartbeats for cluster node `node` from now on.
    func recordPresence(asNode node: UInt16) {
        presenceNode.store(Int32(node), ordering: .relaxed)
    }

    /// Test hook: whether cached identities and block lists are in use (the listener is connected).
    public var _testOnly_isCaching: Bool { lookups.isListening }

    // MARK: Running calls

    /// Runs `work` against the pool within ``operationTimeout``, mapping every failure to a ``StoreError`` and
    /// logging when PostgreSQL stops or starts answering.
    @discardableResult
    func run<T: Sendable>(_ work: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw StoreError.storageFailed("the store is closed") }
        let client = self.client
        do {
            let result = try await Self.withDeadline(operationTimeout) { try await work(client) }
            noteReachable(true, nil)
            return result
        } catch let error as StoreError where error == .alreadyExists {
            noteReachable(true, nil)
            throw error
        } catch {
            let mapped = Self.storeError(error)
            noteReachable(Self.isServerAnswer(error), mapped)
            throw mapped
        }
    }

    /// Runs `work` in one transaction (see ``run(_:)``).
    func transaction<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T
    {
        let logger = self.logger
        return try await run { client in
            try await client.withTransaction(logger: logger) { connection in try await work(connection) }
        }
    }

    /// Logs the change when PostgreSQL stops answering or answers again.
    private func noteReachable(_ isReachable: Bool, _ error: StoreError?) {
        let changed = reachable.withLock { state -> Bool in
            defer { state = isReachable }
            return state != isReachable
        }
        guard changed else { return }
        if isReachable {
            logger.notice("PostgreSQL at \(configuration.serverDescription) answers again")
        } else {
            logger.error(
                "PostgreSQL at \(configuration.serverDescription) does not answer: \(error?.detail ?? "?"); commands that need it fail until it is back (reconnecting by itself)"
            )
        }
    }

    /// Runs `work`, failing with a timeout after `timeout` without waiting for `work` to notice its cancellation
    /// (a statement on a connection that went silent may take long to fail).
    /// A result that arrives after the deadline goes to `late` (a connection to close, say).
    static func withDeadline<T: Sendable>(
        _ timeout: Duration,
        _ work: @escaping @Sendable () async throws -> T,
        late: @escaping @Sendable (T) async -> Void = { _ in }
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let race = DeadlineRace(continuation)
            let worker = Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                if !race.finish(result), case .success(let value) = result { await late(value) }
            }
            race.startTimer(
                Task {
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    if race.finish(.failure(TimedOut(timeout: timeout))) { worker.cancel() }
                }
            )
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no answer within \(timeout.components.seconds) s" }
    }

    // MARK: Errors

    /// Whether `error` is PostgreSQL's answer to a statement (the server is there), not a lost connection.
    private static func isServerAnswer(_ error: any Error) -> Bool {
        (unwrapped(error) as? PSQLError)?.serverInfo != nil
    }

    /// What went wrong in a transaction (PostgresNIO wraps it, with the rollback's fate), or `error` itself.
    static func unwrapped(_ error: any Error) -> any Error {
        guard let error = error as? PostgresTransactionError else { return error }
        return error.closureError ?? error.commitError ?? error.beginError ?? error
    }

    /// A unique-key violation becomes ``StoreError/alreadyExists``; anything else ``StoreError/storageFailed``.
    static func storeError(_ error: any Error) -> StoreError {
        let error = unwrapped(error)
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "23505" {
            return StoreError.alreadyExists
        }
        return StoreError.storageFailed(describe(error))
    }

    /// One line for any error: PostgreSQL's own message when it sent one.
    static func describe(_ error: any Error) -> String {
        guard let error = unwrapped(error) as? PSQLError else { return "\(unwrapped(error))" }
        if let info = error.serverInfo, let message = info[.message] {
            return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    /// Why the first connection failed, in words an operator can act on.
    private static func describeConnectFailure(
        _ error: any Error,
        _ configuration: PostgresStoreConfiguration
    ) -> String {
        let server = configuration.serverDescription
        if error is TimedOut {
            return "no answer from PostgreSQL at \(server) within \(configuration.connectTimeout) s"
        }
        if let error = error as? StoreError { return error.detail }
        guard let psql = error as? PSQLError else { return "cannot connect to \(server): \(error)" }
        if let info = psql.serverInfo {
            let message = info[.message] ?? "refused"
            switch info[.sqlState] {
            case "28P01", "28000":
                return "PostgreSQL at \(server) refused user '\(configuration.user)': \(message)"
            case "3D000":
                return "PostgreSQL at \(server) has no database '\(configuration.database)': \(message)"
            default:
                return "PostgreSQL at \(server) refused the connection: \(message)"
            }
        }
        switch psql.code {
        case .sslUnsupported:
            return
                "PostgreSQL at \(server) does not offer TLS, which sslmode=\(configuration.tlsMode.rawValue) requires"
        case .authMechanismRequiresPassword:
            return
                "PostgreSQL at \(server) asks user '\(configuration.user)' for a password and none was given (URL or PGPASSWORD)"
        case .serverClosedConnection, .uncleanShutdown:
            return "cannot connect to PostgreSQL at \(server): the connection was closed before PostgreSQL answered"
        default:
            let reason = psql.underlying.map(plainReason) ?? "\(psql.code)"
            if reason.contains("CERTIFICATE_VERIFY_FAILED") {
                let checked =
                    configuration.tlsMode == .verifyFull
                    ? "chain to \(configuration.caFile ?? "?") and name the host"
                    : "chain to \(configuration.caFile ?? "?")"
                return
                    "PostgreSQL at \(server) sent a certificate that does not \(checked) (sslmode=\(configuration.tlsMode.rawValue))"
            }
            return "cannot connect to PostgreSQL at \(server): \(reason)"
        }
    }

    /// A socket error in the system's words ("Connection refused"), without NIO's wrapping.
    private static func plainReason(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve \(error.host): \(dns)" }
            if let first = error.connectionErrors.first { return plainReason(first.error) }
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }
}

/// Whichever of a call and its timer ends first resumes the caller; the other one is then cancelled.
private final class DeadlineRace<T: Sendable>: Sendable {
    private let continuation: CheckedContinuation<T, any Error>
    private let state = Mutex<(settled: Bool, timer: Task<Void, Never>?)>((false, nil))

    init(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation = continuation
    }

    /// Resumes the caller with `result` unless that was done already; true if this call did it.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let timer = state.withLock { state -> Task<Void, Never>?? in
            guard !state.settled else { return nil }
            state.settled = true
            return .some(state.timer)
        }
        guard let timer else { return false }
        timer?.cancel()
        continuation.resume(with: result)
        return true
    }

    /// Keeps the timer so that an early end cancels it (at once, if the call has ended already).
    func startTimer(_ timer: Task<Void, Never>) {
        let settled = state.withLock { state in
            state.timer = timer
            return state.settled
        }
        if settled { timer.cancel() }
    }
}
