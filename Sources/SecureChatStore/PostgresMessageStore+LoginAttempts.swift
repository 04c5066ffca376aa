public import ChatCore
internal import PostgresNIO

extension PostgresMessageStore {
    public func loginAttempts(name: String, source: String) async throws -> LoginAttempts {
        let logger = self.logger
        return try await run { client in
            try await client.withConnection { connection in
                try await Self.fetchAttempts(name: name, source: source, lock: false, on: connection, logger: logger)
            }
        }
    }

    public func updateLoginAttempts<Result: Sendable>(
        name: String,
        source: String,
        _ change: @escaping @Sendable (inout LoginAttempts) -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await transaction { connection in
            // A transaction-scoped lock on the name: every server's update of it waits for this one, also when it
            // has no row yet to lock with FOR UPDATE.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(name)))", logger: logger)
            var attempts = try await Self.fetchAttempts(
                name: name,
                source: source,
                lock: true,
                on: connection,
                logger: logger
            )
            let result = change(&attempts)
            if let record = attempts.record {
                try await connection.query(
                    """
                    INSERT INTO login_attempts (name_key, source, failures, locks, locked_until, last_failure)
                    VALUES (\(name), \(source), \(Int32(record.failures)), \(Int32(record.locks)),
                            \(record.lockedUntil), \(record.lastFailure))
                    ON CONFLICT (name_key, source) DO UPDATE SET failures = excluded.failures, locks = excluded.locks,
                        locked_until = excluded.locked_until, last_failure = excluded.last_failure
                    """,
                    logger: logger
                )
            } else {
                try await connection.query(
                    "DELETE FROM login_attempts WHERE name_key = \(name) AND source = \(source)",
                    logger: logger
                )
            }
            if let budget = attempts.budget {
                try await connection.query(
                    """
                    INSERT INTO login_budgets (name_key, burst, rate, tokens, updated, last_failure)
                    VALUES (\(name), \(budget.bucket.burst), \(budget.bucket.rate), \(budget.bucket.tokens),
                            \(budget.bucket.updated), \(budget.lastFailure))
                    ON CONFLICT (name_key) DO UPDATE SET burst = excluded.burst, rate = excluded.rate,
                        tokens = excluded.tokens, updated = excluded.updated, last_failure = excluded.last_failure
                    """,
                    logger: logger
                )
            } else {
                try await connection.query("DELETE FROM login_budgets WHERE name_key = \(name)", logger: logger)
            }
            return result
        }
    }

    private static func fetchAttempts(
        name: String,
        source: String,
        lock: Bool,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> LoginAttempts {
        var attempts = LoginAttempts()
        for try await (failures, locks, lockedUntil, lastFailure) in try await connection.query(
            """
            SELECT failures, locks, locked_until, last_failure FROM login_attempts
            WHERE name_key = \(name) AND source = \(source)
            """,
            logger: logger
        ).decode((Int32, Int32, Double, Double).self) {
            attempts.record = LoginAttempts.Record(
                failures: Int(failures),
                locks: Int(locks),
                lockedUntil: lockedUntil,
                lastFailure: lastFailure
            )
        }
        for try await (burst, rate, tokens, updated, lastFailure) in try await connection.query(
            "SELECT burst, rate, tokens, updated, last_failure FROM login_budgets WHERE name_key = \(name)",
            logger: logger
        ).decode((Double, Double, Double, Double, Double).self) {
            attempts.budget = LoginAttempts.Budget(
                bucket: TokenBucket(burst: burst, rate: rate, tokens: tokens, updated: updated),
                lastFailure: lastFailure
            )
        }
        return attempts
    }
}
