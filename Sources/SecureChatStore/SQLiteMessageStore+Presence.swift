public import ChatCore
public import Foundation
internal import GRDB

extension SQLiteMessageStore {
    public func recordLogin(
        nameKey: String,
        displayName: String,
        identityKey: String?,
        at: Date
    ) async throws -> PresenceID {
        try await self.write { db in
            try db.execute(
                sql: "INSERT INTO presence (name_key, display_name, identity_key, start_at) VALUES (?, ?, ?, ?)",
                arguments: [nameKey, displayName, identityKey, at.millisecondsSince1970]
            )
            return PresenceID(rawValue: db.lastInsertedRowID)
        }
    }

    public func recordLogout(_ presence: PresenceID, at: Date) async throws {
        try await self.write { db in
            try db.execute(
                sql: "UPDATE presence SET end_at = max(start_at, ?) WHERE id = ? AND end_at IS NULL",
                arguments: [at.millisecondsSince1970, presence.rawValue]
            )
        }
    }

    public func heartbeat(at: Date) async throws {
        try await self.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                arguments: [MetaKey.lastHeartbeat, at.millisecondsSince1970]
            )
        }
    }

    public func closeDanglingPresence(at now: Date) async throws -> Int {
        try await self.write { db in
            let heartbeat = try Int64.fetchOne(
                db,
                sql: "SELECT value FROM meta WHERE key = ?",
                arguments: [MetaKey.lastHeartbeat]
            )
            try db.execute(
                sql: """
                    UPDATE presence SET end_at = max(start_at, min(coalesce(?, start_at), ?))
                    WHERE end_at IS NULL
                    """,
                arguments: [heartbeat, now.millisecondsSince1970]
            )
            return db.changesCount
        }
    }

    public func recentlySeen(since: Date) async throws -> [SeenUser] {
        try await self.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT name_key, display_name, start_at, end_at FROM presence
                    WHERE end_at IS NULL OR end_at >= ?
                    ORDER BY id
                    """,
                arguments: [since.millisecondsSince1970]
            )
            var byName: [String: SeenUser] = [:]
            while let row = try rows.next() {
                let nameKey: String = row["name_key"]
                let displayName: String = row["display_name"]
                let end: Int64? = row["end_at"]
                let seen = Date(millisecondsSince1970: end ?? row["start_at"])
                var user =
                    byName[nameKey]
                    ?? SeenUser(nameKey: nameKey, displayName: displayName, lastSeen: seen, isOpen: false)
                user.displayName = displayName
                user.lastSeen = max(user.lastSeen, seen)
                user.isOpen = user.isOpen || end == nil
                byName[nameKey] = user
            }
            return byName.values.sorted { ($0.lastSeen, $1.nameKey) > ($1.lastSeen, $0.nameKey) }
        }
    }

    public func hasBeenSeen(nameKey: String) async throws -> Bool {
        try await self.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM presence WHERE name_key = ?)",
                arguments: [nameKey]
            ) ?? false
        }
    }
}
