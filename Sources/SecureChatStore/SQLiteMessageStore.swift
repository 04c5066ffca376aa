public import ChatCore
import Foundation
internal import GRDB

/// The ``MessageStore`` of the server: one SQLite file in WAL mode with `synchronous = FULL`, so that every
/// acknowledged write survives a crash or a power loss. Concurrent appends share one transaction (group commit).
///
/// Database work runs on GRDB's own dispatch queues: one writer and a pool of readers. Only `init` works on the
/// caller's thread (it opens the file and migrates the schema).
public final class SQLiteMessageStore: MessageStore {
    let pool: DatabasePool
    let writer: GroupCommitWriter<NewMessage, StoredMessage>
    /// Identities and block lists already read or written, so private messages need no database look-up.
    let cache = LookupCache()
    /// The path of the database file.
    public let path: String

    /// Opens (or creates) the database at `path`, creating its parent directory if missing, and brings the schema up
    /// to date. Throws ``StoreError/cannotOpen`` if the file cannot be opened or is not a SecureChat database.
    ///
    /// A new database (and a directory made for it) is readable by the server's user only, whatever the umask: it
    /// holds password hashes and private messages. SQLite gives its `-wal` and `-shm` files the database's mode. An
    /// existing file keeps the mode its owner gave it.
    public init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(
                at: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "cannot create directory \(directory.path): \(error)")
        }
        Self.createPrivately(path)

        var configuration = Configuration()
        configuration.label = "SecureChatStore"
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB switches the writer to synchronous = NORMAL when it enables WAL, after `prepareDatabase`:
            // put FULL back, so a commit is on disk (WAL fsynced) before it returns.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try Schema.migrator.migrate(pool)
            self.pool = pool
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        let pool = self.pool
        self.writer = GroupCommitWriter(store: "sqlite") { messages in
            try await Self.mapErrors {
                try await pool.write { db in
                    let insertion = try MessageInsertion(db)
                    return try messages.map { try insertion.insert($0) }
                }
            }
        }
    }

    /// Creates `path` empty with mode 0600 unless something is there already (SQLite takes an empty file for a new
    /// database). A failure is left for SQLite to report with its own reason.
    private static func createPrivately(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    public func close() async throws {
        await self.writer.shutdown()
        try Self.mapErrorsSync {
            try self.pool.close()
        }
    }

    /// Test hook: the writer connection's `PRAGMA synchronous` (2 = FULL) and `PRAGMA journal_mode`.
    public func _testOnly_durabilitySettings() async throws -> (synchronous: Int, journalMode: String) {
        try await Self.mapErrors {
            try await self.pool.writeWithoutTransaction { db in
                let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                let journalMode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
                return (synchronous, journalMode)
            }
        }
    }

    // MARK: Database access

    /// Runs `work` in a read transaction on a reader connection.
    func read<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.mapErrors {
            try await self.pool.read(work)
        }
    }

    /// Runs `work` in its own write transaction; returns after the commit is durable.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.mapErrors {
            try await self.pool.write(work)
        }
    }

    static func mapErrors<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storageFailed("\(error)")
        }
    }

    static func mapErrorsSync<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storageFailed("\(error)")
        }
    }
}
