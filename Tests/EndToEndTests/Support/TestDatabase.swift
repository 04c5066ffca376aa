import PostgresTestSupport
import Testing

/// Where a test's server keeps its data: the embedded SQLite file, or a database of its own on a throw-away
/// PostgreSQL (``TestPostgres``).
enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}
