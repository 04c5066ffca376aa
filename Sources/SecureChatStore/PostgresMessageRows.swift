import ChatCore
import Foundation
import Logging
internal import PostgresNIO

/// Writing and reading rows of `messages` and `message_recipients` on PostgreSQL.
enum PostgresMessageRows {
    /// The columns ``fetch(_:on:logger:)`` expects, in this order, for a `messages` table aliased `m`.
    static let columns = "m.id, m.at, m.sender_key, m.sender_name, m.audience, m.text, m.listed"

    /// Inserts `messages` in order inside the caller's transaction and returns them with their ids, in three
    /// statements whatever their number: the ids, then every message, then every recipient, as arrays.
    ///
    /// Optional keys travel as '' (arrays of optionals are not bindable): a key is a validated name, never empty.
    static func insert(
        _ messages: [NewMessage],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [StoredMessage] {
        guard !messages.isEmpty else { return [] }
        var ids: [Int64] = []
        ids.reserveCapacity(messages.count)
        for try await id in try await connection.query(
            "SELECT nextval('messages_id_seq') FROM generate_series(1, \(messages.count))",
            logger: logger
        ).decode(Int64.self) {
            ids.append(id)
        }
        // Each message's id is larger than the one before it, as SQLite's are.
        ids.sort()

        var ats: [Int64] = []
        var senderKeys: [String] = []
        var senderNames: [String] = []
        var senderNameKeys: [String] = []
        var audiences: [String] = []
        var listed: [Bool] = []
        var texts: [String] = []
        var recipientMessages: [Int64] = []
        var positions: [Int32] = []
        var recipientKeys: [String] = []
        var recipientNames: [String] = []
        var states: [String] = []
        var stored: [StoredMessage] = []
        stored.reserveCapacity(messages.count)
        for (id, message) in zip(ids, messages) {
            let row = StoredAudience(message.audience)
            let at = message.at.millisecondsSince1970
            ats.append(at)
            senderKeys.append(message.senderKey ?? "")
            senderNames.append(message.senderName)
            senderNameKeys.append(message.senderName.lowercased())
            audiences.append(row.name)
            listed.append(row.listed)
            texts.append(message.text)
            for (position, recipient) in row.recipients.enumerated() {
                recipientMessages.append(id)
                positions.append(Int32(position))
                recipientKeys.append(recipient.key ?? "")
                recipientNames.append(recipient.name)
                states.append(recipient.state.rawValue)
            }
            stored.append(message.stored(as: id))
        }
        try await connection.query(
            """
            INSERT INTO messages (id, at, sender_key, sender_name, sender_name_key, audience, listed, text)
            SELECT id, at, NULLIF(sender_key, ''), sender_name, sender_name_key, audience, listed, text
            FROM unnest(\(ids)::bigint[], \(ats)::bigint[], \(senderKeys)::text[], \(senderNames)::text[],
                        \(senderNameKeys)::text[], \(audiences)::text[], \(listed)::boolean[], \(texts)::text[])
                AS m(id, at, sender_key, sender_name, sender_name_key, audience, listed, text)
            """,
            logger: logger
        )
        if !recipientMessages.isEmpty {
            try await connection.query(
                """
                INSERT INTO message_recipients (message_id, position, recipient_key, recipient_name, state)
                SELECT message_id, position, NULLIF(recipient_key, ''), recipient_name, state
                FROM unnest(\(recipientMessages)::bigint[], \(positions)::integer[], \(recipientKeys)::text[],
                            \(recipientNames)::text[], \(states)::text[])
                    AS r(message_id, position, recipient_key, recipient_name, state)
                """,
                logger: logger
            )
        }
        return stored
    }

    /// Runs `query`, which selects ``columns``, and returns the messages with their recipients, in its order.
    static func fetch(_ query: PostgresQuery, on client: PostgresClient, logger: Logger) async throws -> [StoredMessage]
    {
        typealias Columns = (Int64, Int64, String?, String, String, String, Bool)
        var rows: [Columns] = []
        for try await row in try await client.query(query, logger: logger).decode(Columns.self) {
            rows.append(row)
        }
        let directIDs = rows.compactMap { $0.4 == "direct" ? $0.0 : nil }
        var recipients: [Int64: [RecipientEntry]] = [:]
        if !directIDs.isEmpty {
            for try await (id, key, name, stateName) in try await client.query(
                """
                SELECT message_id, recipient_key, recipient_name, state FROM message_recipients
                WHERE message_id = ANY(\(directIDs)) ORDER BY message_id, position
                """,
                logger: logger
            ).decode((Int64, String?, String, String).self) {
                guard let state = RecipientEntry.State(rawValue: stateName) else {
                    throw StoreError.storageFailed("a recipient row has an unknown state '\(stateName)'")
                }
                recipients[id, default: []].append(RecipientEntry(key: key, name: name, state: state))
            }
        }
        return try rows.map { id, at, senderKey, senderName, audienceName, text, listed in
            let audience = try StoredAudience.audience(
                name: audienceName,
                listed: listed,
                recipients: recipients[id] ?? [],
                of: id
            )
            return StoredMessage(
                id: MessageID(rawValue: id),
                at: Date(millisecondsSince1970: at),
                senderKey: senderKey,
                senderName: senderName,
                audience: audience,
                text: text
            )
        }
    }
}
