import ChatCore
public import Foundation
internal import PostgresNIO

extension PostgresMessageStore {
    public func blocks(of owner: String) async throws -> Set<String> {
        let cache = lookups.cache
        if lookups.isListening, let cached = cache.blocks(owner) { return cached }
        let generation = cache.generation
        let blocks = try await readBlocks(of: owner)
        if lookups.isListening { cache.remember(blocks: blocks, of: owner, readAt: generation) }
        return blocks
    }

    private func readBlocks(of owner: String) async throws -> Set<String> {
        let logger = self.logger
        return try await run { client in
            var targets: Set<String> = []
            for try await target in try await client.query(
                "SELECT target_key FROM blocks WHERE owner_key = \(owner)",
                logger: logger
            ).decode(String.self) {
                targets.insert(target)
            }
            return targets
        }
    }

    public func block(owner: String, target: String, at: Date) async throws {
        let logger = self.logger
        defer { lookups.cache.forget(owner) }
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO blocks (owner_key, target_key, since) VALUES (\(owner), \(target), \(at.millisecondsSince1970))
                ON CONFLICT (owner_key, target_key) DO NOTHING
                """,
                logger: logger
            )
            try await Self.announceChange(of: owner, on: connection, logger: logger)
        }
    }

    public func unblock(owner: String, target: String) async throws -> Bool {
        let logger = self.logger
        defer { lookups.cache.forget(owner) }
        return try await transaction { connection in
            let removed =
                try await connection.query(
                    "DELETE FROM blocks WHERE owner_key = \(owner) AND target_key = \(target) RETURNING owner_key",
                    logger: logger
                ).collect().count > 0
            try await Self.announceChange(of: owner, on: connection, logger: logger)
            return removed
        }
    }

    public func prune(olderThan date: Date) async throws -> Int {
        let limit = date.millisecondsSince1970
        let logger = self.logger
        return try await transaction { connection in
            // One statement, so one snapshot: a recipient row never outlives its message.
            let messages =
                try await connection.query(
                    """
                    WITH gone AS (DELETE FROM messages WHERE at < \(limit) RETURNING id),
                    recipients AS (DELETE FROM message_recipients WHERE message_id IN (SELECT id FROM gone))
                    SELECT count(*) FROM gone
                    """,
                    logger: logger
                ).collect().first?.decode(Int64.self) ?? 0
            try await connection.query("DELETE FROM presence_intervals WHERE end_at < \(limit)", logger: logger)
            let seconds = date.timeIntervalSince1970
            try await connection.query(
                "DELETE FROM login_attempts WHERE last_failure < \(seconds) AND locked_until < \(seconds)",
                logger: logger
            )
            try await connection.query("DELETE FROM login_budgets WHERE last_failure < \(seconds)", logger: logger)
            return Int(messages)
        }
    }
}
