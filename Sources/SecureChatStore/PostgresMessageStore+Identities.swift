public import ChatCore
public import Foundation
internal import PostgresNIO

extension PostgresMessageStore {
    public func identity(forKey key: String) async throws -> StoredIdentity? {
        let cache = lookups.cache
        if lookups.isListening, let cached = cache.identity(key) { return cached }
        let generation = cache.generation
        let identity = try await readIdentity(key)
        // Only identities that exist are kept: a name registered on another server must be found there at once,
        // not after its notification arrives.
        if let identity, lookups.isListening { cache.remember(identity: identity, for: key, readAt: generation) }
        return identity
    }

    private func readIdentity(_ key: String) async throws -> StoredIdentity? {
        let logger = self.logger
        return try await run { client in
            let rows = try await client.query(
                "SELECT key, display_name, kind, password_hash, created_at FROM identities WHERE key = \(key)",
                logger: logger
            )
            for try await row in rows.decode((String, String, String, String?, Int64).self) {
                return try Self.identity(row)
            }
            return nil
        }
    }

    private static func identity(_ row: (String, String, String, String?, Int64)) throws -> StoredIdentity {
        let (key, displayName, kindName, hash, createdAt) = row
        let kind: StoredIdentity.Kind
        switch kindName {
        case "certificate": kind = .certificate
        case "password": kind = .password(hash: hash ?? "")
        default: throw StoreError.storageFailed("identity '\(key)' has an unknown kind '\(kindName)'")
        }
        return StoredIdentity(
            key: key,
            displayName: displayName,
            kind: kind,
            createdAt: Date(millisecondsSince1970: createdAt)
        )
    }

    public func createIdentity(_ identity: StoredIdentity) async throws {
        let (kind, hash): (String, String?)
        switch identity.kind {
        case .certificate: (kind, hash) = ("certificate", nil)
        case .password(let passwordHash): (kind, hash) = ("password", passwordHash)
        }
        let logger = self.logger
        let created = try await transaction { connection in
            // ON CONFLICT DO NOTHING + RETURNING: a duplicate is a result, not an error that aborts a transaction.
            let rows = try await connection.query(
                """
                INSERT INTO identities (key, display_name, kind, password_hash, created_at)
                VALUES (\(identity.key), \(identity.displayName), \(kind), \(hash), \(identity.createdAt.millisecondsSince1970))
                ON CONFLICT (key) DO NOTHING RETURNING key
                """,
                logger: logger
            )
            let count = try await rows.collect().count
            try await Self.announceChange(of: identity.key, on: connection, logger: logger)
            return count
        }
        lookups.cache.forget(identity.key)
        if created == 0 { throw StoreError.alreadyExists(identityKey: identity.key) }
    }

    public func certificate(forKey key: String) async throws -> [UInt8]? {
        let logger = self.logger
        return try await run { client in
            let rows = try await client.query(
                "SELECT der FROM certificates WHERE identity_key = \(key)",
                logger: logger
            )
            for try await der in rows.decode(ByteBuffer.self) {
                return Array(der.readableBytesView)
            }
            return nil
        }
    }

    /// Reads first: a certificate user logs in with the same certificate for a year, and a read costs no commit.
    public func recordCertificate(_ der: [UInt8], forKey key: String, at: Date) async throws {
        guard try await certificate(forKey: key) != der else { return }
        let logger = self.logger
        let bytes = ByteBuffer(bytes: der)
        try await run { client in
            try await client.query(
                """
                INSERT INTO certificates (identity_key, der, updated_at) VALUES (\(key), \(bytes), \(at.millisecondsSince1970))
                ON CONFLICT (identity_key) DO UPDATE SET der = excluded.der, updated_at = excluded.updated_at
                """,
                logger: logger
            )
        }
    }

    public func claimForCertificate(_ identity: StoredIdentity) async throws -> Bool {
        precondition(identity.kind == .certificate, "claimForCertificate takes a certificate identity")
        let logger = self.logger
        defer { lookups.cache.forget(identity.key) }
        return try await transaction { connection in
            try await Self.announceChange(of: identity.key, on: connection, logger: logger)
            let inserted = try await connection.query(
                """
                INSERT INTO identities (key, display_name, kind, password_hash, created_at)
                VALUES (\(identity.key), \(identity.displayName), 'certificate', NULL, \(identity.createdAt.millisecondsSince1970))
                ON CONFLICT (key) DO NOTHING RETURNING key
                """,
                logger: logger
            ).collect().count
            if inserted > 0 { return true }
            let converted = try await connection.query(
                """
                UPDATE identities SET kind = 'certificate', password_hash = NULL, display_name = \(identity.displayName)
                WHERE key = \(identity.key) AND kind <> 'certificate' RETURNING key
                """,
                logger: logger
            ).collect().count
            return converted > 0
        }
    }

    /// Tells every server's ``PostgresLookupListener`` (this one's too) that what is stored of `key` changes in this
    /// transaction; PostgreSQL delivers it at the commit, and not at all on a rollback.
    static func announceChange(of key: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_notify(\(PostgresLookupListener.channel), \(key))",
            logger: logger
        )
    }
}
