import ChatCore
import Foundation
internal import GRDB
internal import GRDBSQLite

/// Inserts messages and their recipients inside the writer's transaction, binding values with SQLite's C interface.
///
/// This is the store's hot path (every `send`, `broadcast` and room line is one message): GRDB's
/// `execute(arguments:)` boxes each value in an existential, validates the arguments and looks the SQL up in the
/// statement cache for every row, which cost twice what SQLite itself spends on the insert. One `MessageInsertion`
/// fetches its two statements from GRDB's cache once per transaction and reuses them for every message in it; GRDB
/// keeps owning (and finalizing) them. Only INSERTs run here, so GRDB's statement hooks (transaction observers and
/// authorizers, which the store does not use) have nothing to see.
struct MessageInsertion {
    private let db: Database
    private let messageStatement: Statement
    private let recipientStatement: Statement

    /// Prepares (or takes from GRDB's cache) the two statements; `db` must be inside a write transaction.
    init(_ db: Database) throws {
        self.db = db
        self.messageStatement = try db.cachedStatement(
            sql: """
                INSERT INTO message (at, sender_key, sender_name, sender_name_key, audience, text, listed, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        self.recipientStatement = try db.cachedStatement(
            sql: """
                INSERT INTO message_recipient (message_id, position, recipient_key, recipient_name, state)
                VALUES (?, ?, ?, ?, ?)
                """
        )
    }

    /// Inserts one message and its recipients; returns it with its new id.
    func insert(_ message: NewMessage) throws -> StoredMessage {
        let stored = StoredAudience(message.audience)
        let recipients = stored.recipients
        let at = message.at.millisecondsSince1970

        let row = self.messageStatement.sqliteStatement
        try check(sqlite3_bind_int64(row, 1, at))
        try bind(message.senderKey, to: row, at: 2)
        try bind(message.senderName, to: row, at: 3)
        try bind(message.senderName.lowercased(), to: row, at: 4)
        try bind(stored.name, to: row, at: 5)
        try bind(message.text, to: row, at: 6)
        try check(sqlite3_bind_int64(row, 7, stored.listed ? 1 : 0))
        try check(sqlite3_bind_int64(row, 8, stored.sealed ? 1 : 0))
        try run(self.messageStatement)
        let id = sqlite3_last_insert_rowid(self.db.sqliteConnection)

        let recipientRow = self.recipientStatement.sqliteStatement
        for (position, recipient) in recipients.enumerated() {
            try check(sqlite3_bind_int64(recipientRow, 1, id))
            try check(sqlite3_bind_int64(recipientRow, 2, Int64(position)))
            try bind(recipient.key, to: recipientRow, at: 3)
            try bind(recipient.name, to: recipientRow, at: 4)
            try bind(recipient.state.rawValue, to: recipientRow, at: 5)
            try run(self.recipientStatement)
        }
        return message.stored(as: id)
    }

    /// Steps a bound INSERT once and resets it; a failure (a constraint, a full disk) becomes a `DatabaseError`, and
    /// the caller's transaction rolls back. The statement stays usable: the next one binds all of its values again.
    private func run(_ statement: Statement) throws {
        let handle = statement.sqliteStatement
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let error = self.error(code, sql: statement.sql)
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            throw error
        }
        sqlite3_reset(handle)
    }

    /// Binds `text` (or NULL) at the 1-based `index`, by its length. SQLite copies the bytes (`SQLITE_TRANSIENT`).
    /// (A NUL inside a line is stored; GRDB reads text back up to its first NUL, as much as was stored before.)
    private func bind(_ text: String?, to statement: OpaquePointer, at index: CInt) throws {
        guard var text else {
            try check(sqlite3_bind_null(statement, index))
            return
        }
        let code = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                // An empty string may have no storage, and a NULL pointer would bind NULL: bind '' instead.
                guard let start = characters.baseAddress, !characters.isEmpty else {
                    return sqlite3_bind_text(statement, index, "", 0, Self.transient)
                }
                return sqlite3_bind_text(statement, index, start, CInt(characters.count), Self.transient)
            }
        }
        try check(code)
    }

    /// Throws unless a bind returned `SQLITE_OK` (it fails only for a value over SQLite's length limit).
    private func check(_ code: CInt) throws {
        guard code == SQLITE_OK else { throw error(code, sql: nil) }
    }

    private func error(_ code: CInt, sql: String?) -> DatabaseError {
        let message = self.db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// `SQLITE_TRANSIENT`, which the C header defines as a cast Swift does not import.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
