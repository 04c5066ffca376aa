import ChatCore
public import Foundation
internal import GRDB

extension SQLiteMessageStore {
    public func blocks(of owner: String) async throws -> Set<String> {
        try await self.read { db in
            try Set(String.fetchAll(db, sql: "SELECT target_key FROM block WHERE owner_key = ?", arguments: [owner]))
        }
    }

    public func block(owner: String, target: String) async throws {
        try await self.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO block (owner_key, target_key) VALUES (?, ?)",
                arguments: [owner, target]
            )
        }
    }

    public func unblock(owner: String, target: String) async throws -> Bool {
        try await self.write { db in
            try db.execute(
                sql: "DELETE FROM block WHERE owner_key = ? AND target_key = ?",
                arguments: [owner, target]
            )
            return db.changesCount > 0
        }
    }

    public func prune(olderThan date: Date) async throws -> Int {
        let limit = date.millisecondsSince1970
        return try await self.write { db in
            try db.execute(sql: "DELETE FROM message WHERE at < ?", arguments: [limit])
            let messages = db.changesCount
            try db.execute(sql: "DELETE FROM presence WHERE end_at < ?", arguments: [limit])
            return messages
        }
    }
}
