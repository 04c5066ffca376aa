public import ChatCore
internal import GRDB

extension SQLiteMessageStore {
    public func append(_ message: NewMessage) async throws -> StoredMessage {
        try await self.writer.append(contentsOf: [message])[0]
    }

    public func append(contentsOf messages: [NewMessage]) async throws -> [StoredMessage] {
        try await self.writer.append(contentsOf: messages)
    }

    public func unreadInbox(for key: String) async throws -> [StoredMessage] {
        try await self.read { db in
            try MessageRows.fetch(
                db,
                sql: """
                    SELECT \(MessageRows.columns) FROM message_recipient r JOIN message m ON m.id = r.message_id
                    WHERE r.recipient_key = :key AND r.state = 'unread' AND NOT \(Self.hiddenByBlock)
                    GROUP BY m.id
                    ORDER BY m.at, m.id
                    """,
                arguments: ["key": key]
            )
        }
    }

    public func markRead(for key: String, ids: [MessageID]) async throws {
        guard !ids.isEmpty else {
            return
        }
        let list = ids.map(\.rawValue).description
        try await self.write { db in
            try db.execute(
                sql: """
                    UPDATE message_recipient SET state = 'read'
                    WHERE recipient_key = ? AND state = 'unread' AND message_id IN (SELECT value FROM json_each(?))
                    """,
                arguments: [key, list]
            )
        }
    }

    public func unreadCount(for key: String) async throws -> Int {
        try await self.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(DISTINCT m.id) FROM message_recipient r JOIN message m ON m.id = r.message_id
                    WHERE r.recipient_key = :key AND r.state = 'unread' AND NOT \(Self.hiddenByBlock)
                    """,
                arguments: ["key": key]
            ) ?? 0
        }
    }

    public func history(for key: String, limit: Int) async throws -> [StoredMessage] {
        guard limit > 0 else {
            return []
        }
        // Three sources, each cut to the newest `limit` before they are merged: sent, received direct, and room or
        // everyone messages inside one of the identity's presence intervals.
        let newestFirst: [StoredMessage] = try await self.read { db in
            try MessageRows.fetch(
                db,
                sql: """
                    WITH candidate AS (
                        SELECT * FROM (
                            SELECT m.id, m.at FROM message m
                            WHERE m.sender_key = :key AND NOT \(Self.hiddenByBlock)
                            ORDER BY m.at DESC, m.id DESC LIMIT :limit)
                        UNION
                        SELECT * FROM (
                            SELECT m.id, m.at FROM message_recipient r JOIN message m ON m.id = r.message_id
                            WHERE r.recipient_key = :key AND NOT \(Self.hiddenByBlock)
                            ORDER BY m.at DESC, m.id DESC LIMIT :limit)
                        UNION
                        SELECT * FROM (
                            SELECT m.id, m.at FROM presence p
                            JOIN message m ON m.at >= p.start_at AND (p.end_at IS NULL OR m.at <= p.end_at)
                            WHERE p.identity_key = :key AND m.audience IN ('room', 'everyone')
                              AND NOT \(Self.hiddenByBlock)
                            ORDER BY m.at DESC, m.id DESC LIMIT :limit)
                    )
                    SELECT \(MessageRows.columns) FROM candidate c JOIN message m ON m.id = c.id
                    ORDER BY m.at DESC, m.id DESC LIMIT :limit
                    """,
                arguments: ["key": key, "limit": limit]
            )
        }
        return newestFirst.reversed()
    }
}
