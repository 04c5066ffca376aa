import ChatCore
import Logging
internal import PostgresNIO
import Synchronization

/// Keeps a PostgreSQL store's ``LookupCache`` right while other servers write the same database: every change to an
/// identity or a block list is announced with `pg_notify` in the transaction that makes it (PostgreSQL delivers it
/// at the commit, to every listener), and this listener forgets that key.
///
/// The cache is used only while the listener is connected: a notification sent while it was not would be missed, so
/// on (re)connecting it empties the cache before it trusts it again, and while disconnected every look-up reads the
/// database.
final class PostgresLookupListener: Sendable {
    /// The channel the writers notify, with a name key as payload.
    static let channel = "securechat_lookups"

    let cache = LookupCache()
    private let listening = Atomic(false)
    private let state = Mutex<(connection: PostgresConnection?, stopped: Bool)>((nil, false))
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Whether cached values may be used now.
    var isListening: Bool { listening.load(ordering: .acquiring) }

    /// Starts listening with connections made from `configuration` (each attempt given up after `connectTimeout`),
    /// reconnecting after a second when one fails.
    func start(_ configuration: PostgresConnection.Configuration, connectTimeout: Duration, logger: Logger) {
        let loop = Task {
            while !Task.isCancelled, !self.state.withLock({ $0.stopped }) {
                do {
                    // Bounded: an attempt that never ended would leave the cache off for good.
                    let connection = try await PostgresMessageStore.withDeadline(
                        connectTimeout,
                        { try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger) },
                        late: { try? await $0.close() }
                    )
                    let keep = self.state.withLock { state -> Bool in
                        guard !state.stopped else { return false }
                        state.connection = connection
                        return true
                    }
                    guard keep else {
                        try? await connection.close()
                        return
                    }
                    try await connection.listen(on: Self.channel) { notifications in
                        self.cache.clear()
                        self.listening.store(true, ordering: .releasing)
                        for try await notification in notifications {
                            self.cache.forget(notification.payload)
                        }
                    }
                } catch {
                    logger.debug("lookup listener: \(error)")
                }
                self.listening.store(false, ordering: .releasing)
                self.cache.clear()
                let connection = self.state.withLock { state in
                    defer { state.connection = nil }
                    return state.connection
                }
                try? await connection?.close()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        task.withLock { $0 = loop }
    }

    /// Stops listening (the loop ends once its connection is closed).
    func stop() async {
        listening.store(false, ordering: .releasing)
        let connection = state.withLock { state in
            state.stopped = true
            return state.connection
        }
        task.withLock { $0?.cancel() }
        try? await connection?.close()
    }
}
