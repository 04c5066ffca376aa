public import ChatCore
public import Foundation
internal import PostgresNIO

extension PostgresMessageStore {
    public func recordLogin(
        nameKey: String,
        displayName: String,
        identityKey: String?,
        at: Date
    ) async throws -> PresenceID {
        let logger = self.logger
        let node = self.node
        return try await run { client in
            let rows = try await client.query(
                """
                INSERT INTO presence_intervals (node, name_key, display_name, identity_key, start_at)
                VALUES (\(node), \(nameKey), \(displayName), \(identityKey), \(at.millisecondsSince1970))
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(Int64.self) { return PresenceID(rawValue: id) }
            throw StoreError.storageFailed("INSERT … RETURNING gave no presence id")
        }
    }

    public func recordLogout(_ presence: PresenceID, at: Date) async throws {
        let logger = self.logger
        try await run { client in
            try await client.query(
                """
                UPDATE presence_intervals SET end_at = greatest(start_at, \(at.millisecondsSince1970))
                WHERE id = \(presence.rawValue) AND end_at IS NULL
                """,
                logger: logger
            )
        }
    }

    public func heartbeat(at: Date) async throws {
        let logger = self.logger
        let node = self.node
        try await run { client in
            try await client.query(
                """
                INSERT INTO heartbeats (node, at) VALUES (\(node), \(at.millisecondsSince1970))
                ON CONFLICT (node) DO UPDATE SET at = excluded.at
                """,
                logger: logger
            )
        }
    }

    public func closeDanglingPresence(at now: Date) async throws -> Int {
        let logger = self.logger
        let node = self.node
        return try await run { client in
            try await client.query(
                """
                UPDATE presence_intervals
                SET end_at = greatest(start_at, least(
                    coalesce((SELECT at FROM heartbeats WHERE node = \(node)), start_at), \(now.millisecondsSince1970)))
                WHERE node = \(node) AND end_at IS NULL
                RETURNING id
                """,
                logger: logger
            ).collect().count
        }
    }

    public func recentlySeen(since: Date) async throws -> [SeenUser] {
        let logger = self.logger
        return try await run { client in
            var intervals: [SeenUser.Interval] = []
            for try await (nameKey, displayName, start, end) in try await client.query(
                """
                SELECT name_key, display_name, start_at, end_at FROM presence_intervals
                WHERE end_at IS NULL OR end_at >= \(since.millisecondsSince1970)
                ORDER BY id
                """,
                logger: logger
            ).decode((String, String, Int64, Int64?).self) {
                intervals.append(
                    SeenUser.Interval(
                        nameKey: nameKey,
                        displayName: displayName,
                        start: Date(millisecondsSince1970: start),
                        end: end.map(Date.init(millisecondsSince1970:))
                    )
                )
            }
            return SeenUser.latestPerName(intervals)
        }
    }

    public func hasBeenSeen(nameKey: String) async throws -> Bool {
        let logger = self.logger
        return try await run { client in
            for try await seen in try await client.query(
                "SELECT EXISTS (SELECT 1 FROM presence_intervals WHERE name_key = \(nameKey))",
                logger: logger
            ).decode(Bool.self) {
                return seen
            }
            return false
        }
    }
}
