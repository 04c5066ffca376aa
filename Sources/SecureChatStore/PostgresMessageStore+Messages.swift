public import ChatCore
internal import PostgresNIO

extension PostgresMessageStore {
    public func append(_ message: NewMessage) async throws -> StoredMessage {
        try await append(contentsOf: [message])[0]
    }

    public func append(contentsOf messages: [NewMessage]) async throws -> [StoredMessage] {
        let writer = self.writer
        return try await run { _ in try await writer.append(contentsOf: messages) }
    }

    /// SQL that holds when a block of `$1`'s (the user whose messages are read) hides the message `m`: its sender
    /// is blocked, and it was sent at or after the block.
    private static let hiddenByBlock = """
        EXISTS (SELECT 1 FROM blocks b WHERE b.owner_key = $1 AND b.target_key = m.sender_name_key AND b.since <= m.at)
        """

    /// `sql` with `key` bound as `$1` (and `limit` as `$2`), for the queries that name the reader more than once.
    private static func query(_ sql: String, key: String, limit: Int? = nil) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 2)
        binds.append(key)
        if let limit { binds.append(Int64(limit)) }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func unreadInbox(for key: String) async throws -> [StoredMessage] {
        let logger = self.logger
        let query = Self.query(
            """
            SELECT \(PostgresMessageRows.columns) FROM messages m
            WHERE m.id IN (SELECT r.message_id FROM message_recipients r WHERE r.recipient_key = $1 AND r.state = 'unread')
              AND NOT \(Self.hiddenByBlock)
            ORDER BY m.at, m.id
            """,
            key: key
        )
        return try await run { client in try await PostgresMessageRows.fetch(query, on: client, logger: logger) }
    }

    public func markRead(for key: String, ids: [MessageID]) async throws {
        guard !ids.isEmpty else { return }
        let raw = ids.map(\.rawValue)
        let logger = self.logger
        try await run { client in
            try await client.query(
                """
                UPDATE message_recipients SET state = 'read'
                WHERE recipient_key = \(key) AND state = 'unread' AND message_id = ANY(\(raw))
                """,
                logger: logger
            )
        }
    }

    public func unreadCount(for key: String) async throws -> Int {
        let logger = self.logger
        let query = Self.query(
            """
            SELECT count(*) FROM messages m
            WHERE m.id IN (SELECT r.message_id FROM message_recipients r WHERE r.recipient_key = $1 AND r.state = 'unread')
              AND NOT \(Self.hiddenByBlock)
            """,
            key: key
        )
        return try await run { client in
            for try await count in try await client.query(query, logger: logger).decode(Int64.self) {
                return Int(count)
            }
            return 0
        }
    }

    public func history(for key: String, limit: Int) async throws -> [StoredMessage] {
        guard limit > 0 else { return [] }
        let logger = self.logger
        // Three sources, each cut to the newest `limit` before they are merged: sent, received direct, and room or
        // everyone messages inside one of the identity's presence intervals (as SQLite's store does).
        let query = Self.query(
            """
            WITH candidate AS (
                (SELECT m.id FROM messages m
                 WHERE m.sender_key = $1 AND NOT \(Self.hiddenByBlock)
                 ORDER BY m.at DESC, m.id DESC LIMIT $2)
                UNION
                (SELECT m.id FROM message_recipients r JOIN messages m ON m.id = r.message_id
                 WHERE r.recipient_key = $1 AND NOT \(Self.hiddenByBlock)
                 ORDER BY m.at DESC, m.id DESC LIMIT $2)
                UNION
                (SELECT m.id FROM presence_intervals p
                 JOIN messages m ON m.at >= p.start_at AND (p.end_at IS NULL OR m.at <= p.end_at)
                 WHERE p.identity_key = $1 AND m.audience IN ('room', 'everyone') AND NOT \(Self.hiddenByBlock)
                 ORDER BY m.at DESC, m.id DESC LIMIT $2)
            )
            SELECT \(PostgresMessageRows.columns) FROM messages m WHERE m.id IN (SELECT id FROM candidate)
            ORDER BY m.at DESC, m.id DESC LIMIT $2
            """,
            key: key,
            limit: limit
        )
        let newestFirst = try await run { client in
            try await PostgresMessageRows.fetch(query, on: client, logger: logger)
        }
        return newestFirst.reversed()
    }
}
