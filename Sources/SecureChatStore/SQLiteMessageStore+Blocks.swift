import ChatCore
public import Foundation
internal import GRDB

extension SQLiteMessageStore {
    public func blocks(of owner: String) async throws -> Set<String> {
        if let cached = cache.blocks(owner) { return cached }
        let generation = cache.generation
        let blocks = try await self.read { db in
            try Set(String.fetchAll(db, sql: "SELECT target_key FROM block WHERE owner_key = ?", arguments: [owner]))
        }
        cache.remember(blocks: blocks, of: owner, readAt: generation)
        return blocks
    }

    public func block(owner: String, target: String, at: Date) async throws {
        try await self.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO block (owner_key, target_key, since) VALUES (?, ?, ?)",
                arguments: [owner, target, at.millisecondsSince1970]
            )
        }
        cache.changedBlocks(of: owner) { $0.insert(target) }
    }

    public func unblock(owner: String, target: String) async throws -> Bool {
        let removed = try await self.write { db in
            try db.execute(
                sql: "DELETE FROM block WHERE owner_key = ? AND target_key = ?",
                arguments: [owner, target]
            )
            return db.changesCount > 0
        }
        cache.changedBlocks(of: owner) { $0.remove(target) }
        return removed
    }

    /// SQL that holds when a block of `:key`'s hides the message `m`: its sender is blocked, and it was sent at or
    /// after the block.
    static let hiddenByBlock = """
        EXISTS (SELECT 1 FROM block b WHERE b.owner_key = :key AND b.target_key = m.sender_name_key AND b.since <= m.at)
        """

    public func prune(olderThan date: Date) async throws -> Int {
        let limit = date.millisecondsSince1970
        return try await self.write { db in
            try db.execute(sql: "DELETE FROM message WHERE at < ?", arguments: [limit])
            let messages = db.changesCount
            try db.execute(sql: "DELETE FROM presence WHERE end_at < ?", arguments: [limit])
            let seconds = date.timeIntervalSince1970
            try db.execute(
                sql: "DELETE FROM login_attempt WHERE last_failure < ? AND locked_until < ?",
                arguments: [seconds, seconds]
            )
            try db.execute(sql: "DELETE FROM login_budget WHERE last_failure < ?", arguments: [seconds])
            return messages
        }
    }
}
