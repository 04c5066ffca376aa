internal import GRDB

/// The database schema, versioned with GRDB's `DatabaseMigrator`. Migrations run when the store opens; a migration
/// that already ran is skipped, so opening is idempotent. Never edit a shipped migration: add "v2".
///
/// Times are INTEGER milliseconds since 1970 UTC. Keys are lower-cased names.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE identity (
                        key TEXT PRIMARY KEY NOT NULL,
                        display_name TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('certificate', 'password')),
                        password_hash TEXT,
                        created_at INTEGER NOT NULL
                    );

                    CREATE TABLE presence (
                        id INTEGER PRIMARY KEY,
                        name_key TEXT NOT NULL,
                        display_name TEXT NOT NULL,
                        identity_key TEXT,
                        start_at INTEGER NOT NULL,
                        end_at INTEGER
                    );
                    CREATE INDEX presence_by_name ON presence (name_key, start_at);
                    CREATE INDEX presence_by_identity ON presence (identity_key, start_at);
                    CREATE INDEX presence_by_end ON presence (end_at);

                    CREATE TABLE message (
                        id INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL,
                        sender_key TEXT,
                        sender_name TEXT NOT NULL,
                        sender_name_key TEXT NOT NULL,
                        audience TEXT NOT NULL CHECK (audience IN ('room', 'everyone', 'direct')),
                        text TEXT NOT NULL
                    );
                    CREATE INDEX message_by_sender ON message (sender_key, at);
                    CREATE INDEX message_by_at ON message (at);

                    CREATE TABLE message_recipient (
                        message_id INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        recipient_key TEXT,
                        recipient_name TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('delivered', 'unread', 'read')),
                        PRIMARY KEY (message_id, position)
                    ) WITHOUT ROWID;
                    CREATE INDEX recipient_inbox ON message_recipient (recipient_key, state);

                    CREATE TABLE block (
                        owner_key TEXT NOT NULL,
                        target_key TEXT NOT NULL,
                        PRIMARY KEY (owner_key, target_key)
                    ) WITHOUT ROWID;

                    CREATE TABLE meta (
                        key TEXT PRIMARY KEY NOT NULL,
                        value
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v2-listed-broadcasts") { db in
            // A direct message sent with `broadcast user …` rather than `send`. Rows stored before cannot tell the
            // two apart and are taken for `send`s.
            try db.execute(
                sql: "ALTER TABLE message ADD COLUMN listed INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1))"
            )
        }
        // A block hides only what its target sends from then on, so it remembers when it was made. Blocks made
        // before this migration keep hiding everything (0: since 1970), as they did.
        migrator.registerMigration("v3-block-since") { db in
            try db.execute(sql: "ALTER TABLE block ADD COLUMN since INTEGER NOT NULL DEFAULT 0")
        }
        // Wrong passwords, per name and source, and each name's budget (``LoginAttempts``), kept so that lock-outs
        // hold across restarts. Times are REAL seconds since 1970.
        migrator.registerMigration("v4-login-attempts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE login_attempt (
                        name_key TEXT NOT NULL,
                        source TEXT NOT NULL,
                        failures INTEGER NOT NULL,
                        locks INTEGER NOT NULL,
                        locked_until REAL NOT NULL,
                        last_failure REAL NOT NULL,
                        PRIMARY KEY (name_key, source)
                    ) WITHOUT ROWID;

                    CREATE TABLE login_budget (
                        name_key TEXT PRIMARY KEY NOT NULL,
                        burst REAL NOT NULL,
                        rate REAL NOT NULL,
                        tokens REAL NOT NULL,
                        updated REAL NOT NULL,
                        last_failure REAL NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        // Sealed messages (docs/SEALED.md): a direct message whose text only its recipients can open, and the
        // certificate (DER) each certificate user last logged in with, which others seal to.
        migrator.registerMigration("v5-sealed-messages") { db in
            try db.execute(
                sql: """
                    ALTER TABLE message ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1));

                    CREATE TABLE certificate (
                        identity_key TEXT PRIMARY KEY NOT NULL,
                        der BLOB NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        return migrator
    }
}

/// Keys of the `meta` table.
enum MetaKey {
    /// Milliseconds of the last ``SQLiteMessageStore/heartbeat(at:)``.
    static let lastHeartbeat = "last_heartbeat"
}
