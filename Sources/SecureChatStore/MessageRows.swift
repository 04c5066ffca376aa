import ChatCore
import Foundation
internal import GRDB

/// Reading rows of `message` and `message_recipient` (``MessageInsertion`` writes them).
enum MessageRows {
    /// The columns `fetch(_:sql:arguments:)` expects first, in this order, for a `message` table aliased `m`.
    static let columns = "m.id, m.at, m.sender_key, m.sender_name, m.audience, m.text, m.listed, m.sealed"

    /// Positions in ``columns``: rows are read by index, as a look-up by name lower-cases the name for every value.
    private enum Column {
        static let id = 0
        static let at = 1
        static let senderKey = 2
        static let senderName = 3
        static let audience = 4
        static let text = 5
        static let listed = 6
        static let sealed = 7
    }

    /// Runs a query selecting ``columns`` and returns the messages with their recipients, in the query's order.
    static func fetch(_ db: Database, sql: String, arguments: StatementArguments) throws -> [StoredMessage] {
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        let directIDs = rows.compactMap { row -> Int64? in
            row[Column.audience] as String == "direct" ? row[Column.id] : nil
        }
        let recipients = try self.recipients(of: directIDs, in: db)
        return try rows.map { row in
            let id: Int64 = row[Column.id]
            let audience = try StoredAudience.audience(
                name: row[Column.audience],
                listed: row[Column.listed] as Int64 != 0,
                sealed: row[Column.sealed] as Int64 != 0,
                recipients: recipients[id] ?? [],
                of: id
            )
            return StoredMessage(
                id: MessageID(rawValue: id),
                at: Date(millisecondsSince1970: row[Column.at]),
                senderKey: row[Column.senderKey],
                senderName: row[Column.senderName],
                audience: audience,
                text: row[Column.text]
            )
        }
    }

    private static func recipients(of ids: [Int64], in db: Database) throws -> [Int64: [RecipientEntry]] {
        guard !ids.isEmpty else {
            return [:]
        }
        var result: [Int64: [RecipientEntry]] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT message_id, recipient_key, recipient_name, state FROM message_recipient
                WHERE message_id IN (SELECT value FROM json_each(?))
                ORDER BY message_id, position
                """,
            arguments: [ids.description]
        )
        while let row = try rows.next() {
            // SELECT message_id, recipient_key, recipient_name, state
            let stateName: String = row[3]
            guard let state = RecipientEntry.State(rawValue: stateName) else {
                throw StoreError.storageFailed("a recipient row has an unknown state '\(stateName)'")
            }
            let entry = RecipientEntry(key: row[1], name: row[2], state: state)
            result[row[0], default: []].append(entry)
        }
        return result
    }
}
