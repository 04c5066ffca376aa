import ChatCore
import Foundation
internal import GRDB

/// Reading rows of `message` and `message_recipient` (``MessageInsertion`` writes them).
enum MessageRows {
    /// The columns `fetch(_:sql:arguments:)` expects, for a `message` table aliased `m`.
    static let columns = "m.id, m.at, m.sender_key, m.sender_name, m.audience, m.text"

    /// Runs a query selecting ``columns`` and returns the messages with their recipients, in the query's order.
    static func fetch(_ db: Database, sql: String, arguments: StatementArguments) throws -> [StoredMessage] {
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        let directIDs = rows.compactMap { row -> Int64? in
            row["audience"] as String == "direct" ? row["id"] : nil
        }
        let recipients = try self.recipients(of: directIDs, in: db)
        return try rows.map { row in
            let id: Int64 = row["id"]
            let audienceName: String = row["audience"]
            let audience: MessageAudience
            switch audienceName {
            case "room": audience = .room
            case "everyone": audience = .everyone
            case "direct": audience = .direct(recipients: recipients[id] ?? [])
            default: throw StoreError.storageFailed("message \(id) has an unknown audience '\(audienceName)'")
            }
            return StoredMessage(
                id: MessageID(rawValue: id),
                at: Date(millisecondsSince1970: row["at"]),
                senderKey: row["sender_key"],
                senderName: row["sender_name"],
                audience: audience,
                text: row["text"]
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
            let stateName: String = row["state"]
            guard let state = RecipientEntry.State(rawValue: stateName) else {
                throw StoreError.storageFailed("a recipient row has an unknown state '\(stateName)'")
            }
            let entry = RecipientEntry(key: row["recipient_key"], name: row["recipient_name"], state: state)
            result[row["message_id"], default: []].append(entry)
        }
        return result
    }
}
