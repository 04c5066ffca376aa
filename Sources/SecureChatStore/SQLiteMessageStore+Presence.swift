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
            var intervals: [SeenUser.Interval] = []
            while let row = try rows.next() {
                let end: Int64? = row["end_at"]
                intervals.append(
                    SeenUser.Interval(
                        nameKey: row["name_key"],
                        displayName: row["display_name"],
                        start: Date(millisecondsSince1970: row["start_at"]),
                        end: end.map(Date.init(millisecondsSince1970:))
                    )
                )
            }
            return SeenUser.latestPerName(intervals)
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
