public import ChatCore
internal import GRDB

extension SQLiteMessageStore {
    public func loginAttempts(name: String, source: String) async throws -> LoginAttempts {
        try await self.read { db in try Self.fetchAttempts(name: name, source: source, in: db) }
    }

    public func updateLoginAttempts<Result: Sendable>(
        name: String,
        source: String,
        _ change: @escaping @Sendable (inout LoginAttempts) -> Result
    ) async throws -> Result {
        // One write transaction: SQLite runs one at a time, so nothing else updates the name in between.
        try await self.write { db in
            var attempts = try Self.fetchAttempts(name: name, source: source, in: db)
            let result = change(&attempts)
            if let record = attempts.record {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO login_attempt
                            (name_key, source, failures, locks, locked_until, last_failure)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        name, source, record.failures, record.locks, record.lockedUntil, record.lastFailure,
                    ]
                )
            } else {
                try db.execute(
                    sql: "DELETE FROM login_attempt WHERE name_key = ? AND source = ?",
                    arguments: [name, source]
                )
            }
            if let budget = attempts.budget {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO login_budget (name_key, burst, rate, tokens, updated, last_failure)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        name, budget.bucket.burst, budget.bucket.rate, budget.bucket.tokens, budget.bucket.updated,
                        budget.lastFailure,
                    ]
                )
            } else {
                try db.execute(sql: "DELETE FROM login_budget WHERE name_key = ?", arguments: [name])
            }
            return result
        }
    }

    private static func fetchAttempts(name: String, source: String, in db: Database) throws -> LoginAttempts {
        var attempts = LoginAttempts()
        if let row = try Row.fetchOne(
            db,
            sql: """
                SELECT failures, locks, locked_until, last_failure FROM login_attempt
                WHERE name_key = ? AND source = ?
                """,
            arguments: [name, source]
        ) {
            attempts.record = LoginAttempts.Record(
                failures: row[0],
                locks: row[1],
                lockedUntil: row[2],
                lastFailure: row[3]
            )
        }
        if let row = try Row.fetchOne(
            db,
            sql: "SELECT burst, rate, tokens, updated, last_failure FROM login_budget WHERE name_key = ?",
            arguments: [name]
        ) {
            attempts.budget = LoginAttempts.Budget(
                bucket: TokenBucket(burst: row[0], rate: row[1], tokens: row[2], updated: row[3]),
                lastFailure: row[4]
            )
        }
        return attempts
    }
}
