import ChatCore
import Foundation
import Logging
internal import PostgresNIO

/// Writing and reading rows of `messages` and `message_recipients` on PostgreSQL.
enum PostgresMessageRows {
    /// The columns ``fetch(_:on:logger:)`` expects, in this order, for a `messages` table aliased `m`.
    static let columns = "m.id, m.at, m.sender_key, m.sender_name, m.audience, m.text, m.listed, m.sealed"

    /// Inserts `messages` in order and returns them with their ids, in one statement whatever their number (so
    /// atomic without a transaction, and one round trip): see ``InsertGroup``.
    ///
    /// Optional keys travel as '' (arrays of optionals are not bindable): a key is a validated name, never empty.
    static func insert(
        _ messages: [NewMessage],
        on client: PostgresClient,
        logger: Logger
    ) async throws -> [StoredMessage] {
        guard !messages.isEmpty else { return [] }
        var group = InsertGroup()
        for (ordinal, message) in messages.enumerated() {
            let row = StoredAudience(message.audience)
            group.ats.append(message.at.millisecondsSince1970)
            group.senderKeys.append(message.senderKey ?? "")
            group.senderNames.append(message.senderName)
            group.senderNameKeys.append(message.senderName.lowercased())
            group.audiences.append(row.name)
            group.listed.append(row.listed)
            group.sealed.append(row.sealed)
            group.texts.append(message.text)
            for (position, recipient) in row.recipients.enumerated() {
                group.recipientMessages.append(Int64(ordinal + 1))
                group.positions.append(Int32(position))
                group.recipientKeys.append(recipient.key ?? "")
                group.recipientNames.append(recipient.name)
                group.states.append(recipient.state.rawValue)
            }
        }
        var ids: [Int64] = []
        ids.reserveCapacity(messages.count)
        for try await id in try await client.execute(group, logger: logger) {
            ids.append(id)
        }
        guard ids.count == messages.count else {
            throw StoreError.storageFailed("\(ids.count) ids drawn for \(messages.count) messages")
        }
        return zip(ids, messages).map { id, message in message.stored(as: id) }
    }

    /// One group of messages and their recipients, as columns. The statement draws the ids, sorted so that each
    /// message's is larger than the one before it (as SQLite's are), and inserts every message and every recipient
    /// from the arrays. Prepared (once per pooled connection) because parsing and planning it cost PostgreSQL more
    /// than storing a small group's rows.
    struct InsertGroup: PostgresPreparedStatement {
        static let sql = """
            WITH ids AS (
                SELECT id, row_number() OVER (ORDER BY id) AS ordinal
                FROM (SELECT nextval('messages_id_seq') AS id FROM generate_series(1, cardinality($1::bigint[]))) drawn
            ),
            stored AS (
                INSERT INTO messages (id, at, sender_key, sender_name, sender_name_key, audience, listed, text, sealed)
                SELECT ids.id, m.at, NULLIF(m.sender_key, ''), m.sender_name, m.sender_name_key, m.audience,
                       m.listed, m.text, m.sealed
                FROM unnest(
                    $1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[],
                    $13::boolean[]
                ) WITH ORDINALITY
                    AS m(at, sender_key, sender_name, sender_name_key, audience, listed, text, sealed, ordinal)
                JOIN ids ON ids.ordinal = m.ordinal
            ),
            recipients AS (
                INSERT INTO message_recipients (message_id, position, recipient_key, recipient_name, state)
                SELECT ids.id, r.position, NULLIF(r.recipient_key, ''), r.recipient_name, r.state
                FROM unnest($8::bigint[], $9::integer[], $10::text[], $11::text[], $12::text[])
                    AS r(ordinal, position, recipient_key, recipient_name, state)
                JOIN ids ON ids.ordinal = r.ordinal
            )
            SELECT id FROM ids ORDER BY ordinal
            """
        typealias Row = Int64

        var ats: [Int64] = []
        var senderKeys: [String] = []
        var senderNames: [String] = []
        var senderNameKeys: [String] = []
        var audiences: [String] = []
        var listed: [Bool] = []
        var sealed: [Bool] = []
        var texts: [String] = []
        var recipientMessages: [Int64] = []
        var positions: [Int32] = []
        var recipientKeys: [String] = []
        var recipientNames: [String] = []
        var states: [String] = []

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 13)
            bindings.append(ats)
            bindings.append(senderKeys)
            bindings.append(senderNames)
            bindings.append(senderNameKeys)
            bindings.append(audiences)
            bindings.append(listed)
            bindings.append(texts)
            bindings.append(recipientMessages)
            bindings.append(positions)
            bindings.append(recipientKeys)
            bindings.append(recipientNames)
            bindings.append(states)
            bindings.append(sealed)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int64 {
            try row.decode(Int64.self)
        }
    }

    /// Runs `query`, which selects ``columns``, and returns the messages with their recipients, in its order.
    static func fetch(_ query: PostgresQuery, on client: PostgresClient, logger: Logger) async throws -> [StoredMessage]
    {
        typealias Columns = (Int64, Int64, String?, String, String, String, Bool, Bool)
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
        return try rows.map { id, at, senderKey, senderName, audienceName, text, listed, sealed in
            let audience = try StoredAudience.audience(
                name: audienceName,
                listed: listed,
                sealed: sealed,
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
