import ChatCore
import Logging
internal import PostgresNIO

/// The PostgreSQL schema, versioned in the table `securechat_schema` (one row per migration applied). Migrations run
/// at start-up in one transaction under an advisory lock, so servers starting together on a new database migrate it
/// once. Never edit a shipped migration: add the next version.
///
/// The tables hold what SQLite's do (`Schema`), with the same meanings: times are bigint milliseconds since 1970 UTC,
/// keys lower-cased names.
enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        /// One statement each (the extended query protocol takes one at a time).
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "tables",
            statements: [
                """
                CREATE TABLE identities (
                    key text PRIMARY KEY,
                    display_name text NOT NULL,
                    kind text NOT NULL CHECK (kind IN ('certificate', 'password')),
                    password_hash text,
                    created_at bigint NOT NULL
                )
                """,
                // `node` is the server that recorded the interval (0 for a server that runs alone), so that each
                // server of a cluster closes only its own intervals after a crash.
                """
                CREATE TABLE presence_intervals (
                    id bigserial PRIMARY KEY,
                    node integer NOT NULL DEFAULT 0,
                    name_key text NOT NULL,
                    display_name text NOT NULL,
                    identity_key text,
                    start_at bigint NOT NULL,
                    end_at bigint
                )
                """,
                "CREATE INDEX presence_by_name ON presence_intervals (name_key, start_at)",
                "CREATE INDEX presence_by_identity ON presence_intervals (identity_key, start_at)",
                "CREATE INDEX presence_by_end ON presence_intervals (end_at)",
                "CREATE INDEX presence_open ON presence_intervals (node) WHERE end_at IS NULL",
                """
                CREATE TABLE messages (
                    id bigserial PRIMARY KEY,
                    at bigint NOT NULL,
                    sender_key text,
                    sender_name text NOT NULL,
                    sender_name_key text NOT NULL,
                    audience text NOT NULL CHECK (audience IN ('room', 'everyone', 'direct')),
                    listed boolean NOT NULL DEFAULT false,
                    text text NOT NULL
                )
                """,
                "CREATE INDEX messages_by_sender ON messages (sender_key, at)",
                "CREATE INDEX messages_by_at ON messages (at)",
                """
                CREATE TABLE message_recipients (
                    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                    position integer NOT NULL,
                    recipient_key text,
                    recipient_name text NOT NULL,
                    state text NOT NULL CHECK (state IN ('delivered', 'unread', 'read')),
                    PRIMARY KEY (message_id, position)
                )
                """,
                "CREATE INDEX recipients_inbox ON message_recipients (recipient_key, state)",
                """
                CREATE TABLE blocks (
                    owner_key text NOT NULL,
                    target_key text NOT NULL,
                    since bigint NOT NULL,
                    PRIMARY KEY (owner_key, target_key)
                )
                """,
                "CREATE TABLE heartbeats (node integer PRIMARY KEY, at bigint NOT NULL)",
                // Wrong passwords per name and source, and each name's budget (`LoginAttempts`); seconds since 1970.
                """
                CREATE TABLE login_attempts (
                    name_key text NOT NULL,
                    source text NOT NULL,
                    failures integer NOT NULL,
                    locks integer NOT NULL,
                    locked_until double precision NOT NULL,
                    last_failure double precision NOT NULL,
                    PRIMARY KEY (name_key, source)
                )
                """,
                """
                CREATE TABLE login_budgets (
                    name_key text PRIMARY KEY,
                    burst double precision NOT NULL,
                    rate double precision NOT NULL,
                    tokens double precision NOT NULL,
                    updated double precision NOT NULL,
                    last_failure double precision NOT NULL
                )
                """,
            ]
        ),
        // Every index and the foreign key's trigger cost PostgreSQL CPU on each stored message (BENCHMARKS.md):
        // direct messages need no index on time but for pruning, which a BRIN index serves at almost no cost per
        // insert; pruning deletes the recipients with their messages itself.
        Migration(
            version: 2,
            name: "leaner message indexes",
            statements: [
                "ALTER TABLE message_recipients DROP CONSTRAINT message_recipients_message_id_fkey",
                "DROP INDEX messages_by_at",
                "CREATE INDEX messages_shared_by_at ON messages (at) WHERE audience IN ('room', 'everyone')",
                "CREATE INDEX messages_at_range ON messages USING brin (at)",
            ]
        ),
        // Several servers as one chat (docs/CLUSTER.md): the servers alive, the names held across all of them, and
        // the events one server sends the others.
        Migration(
            version: 3,
            name: "cluster",
            statements: [
                "CREATE SEQUENCE cluster_incarnations",
                """
                CREATE TABLE cluster_nodes (
                    id integer PRIMARY KEY CHECK (id BETWEEN 1 AND 65535),
                    incarnation bigint NOT NULL UNIQUE DEFAULT nextval('cluster_incarnations'),
                    address text NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT now(),
                    heartbeat_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE cluster_names (
                    name_key text PRIMARY KEY,
                    display_name text NOT NULL,
                    identity text NOT NULL CHECK (identity IN ('guest', 'registered', 'certificate')),
                    node integer NOT NULL REFERENCES cluster_nodes (id) ON DELETE CASCADE,
                    connection bigint NOT NULL,
                    guest_blocks text[] NOT NULL DEFAULT '{}',
                    since timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX cluster_names_by_node ON cluster_names (node)",
                """
                CREATE TABLE cluster_events (
                    id bigserial PRIMARY KEY,
                    node integer NOT NULL,
                    at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    body text NOT NULL
                )
                """,
                "CREATE INDEX cluster_events_by_at ON cluster_events USING brin (at)",
            ]
        ),
        // Sealed messages (docs/SEALED.md): a direct message whose text only its recipients can open, and the
        // certificate each certificate user last logged in with, which others seal to.
        Migration(
            version: 4,
            name: "sealed messages",
            statements: [
                "ALTER TABLE messages ADD COLUMN sealed boolean NOT NULL DEFAULT false",
                """
                CREATE TABLE certificates (
                    identity_key text PRIMARY KEY,
                    der bytea NOT NULL,
                    updated_at bigint NOT NULL
                )
                """,
            ]
        ),
    ]

    /// The version this server writes.
    static var latest: Int { migrations.last?.version ?? 0 }

    /// The tables a migration creates: a database that has any of them but no `securechat_schema` belongs to
    /// another program (or to a hand-made copy) and is left alone.
    private static let tableNames = [
        "identities", "presence_intervals", "messages", "message_recipients", "blocks", "heartbeats",
        "login_attempts", "login_budgets", "cluster_nodes", "cluster_names", "cluster_events",
    ]

    /// Any number, the same for every SecureChat server: the advisory lock that serialises migrations.
    private static let lockKey: Int64 = 0x5EC0_C4A7

    /// Why a database is not one this server may change.
    struct Refusal: Error {
        let reason: String
    }

    /// Brings the schema to ``latest``; throws a ``Refusal`` when the database is not one this server may change.
    static func migrate(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            let hasVersions =
                try await connection.query(
                    "SELECT to_regclass('securechat_schema') IS NOT NULL",
                    logger: logger
                ).collect().first?.decode(Bool.self) ?? false
            if !hasVersions {
                var foreign: [String] = []
                for try await name in try await connection.query(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(\(tableNames))",
                    logger: logger
                ).decode(String.self) {
                    foreign.append(name)
                }
                guard foreign.isEmpty else {
                    throw Refusal(
                        reason:
                            "the database has tables named \(foreign.sorted().joined(separator: ", ")) but no securechat_schema table: it is not a SecureChat database (or was made by hand); use another database"
                    )
                }
                try await connection.query(
                    """
                    CREATE TABLE securechat_schema (
                        version integer PRIMARY KEY,
                        name text NOT NULL DEFAULT '',
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """,
                    logger: logger
                )
            }
            let current =
                try await connection.query("SELECT coalesce(max(version), 0) FROM securechat_schema", logger: logger)
                .collect().first?.decode(Int.self) ?? 0
            guard current <= latest else {
                throw Refusal(
                    reason:
                        "the database holds schema version \(current), newer than this server's \(latest): a newer securechat-server wrote it; run that one, or give this one another database"
                )
            }
            for migration in migrations where migration.version > current {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO securechat_schema (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                logger.notice("PostgreSQL schema migrated to version \(migration.version) (\(migration.name))")
            }
        }
    }
}
