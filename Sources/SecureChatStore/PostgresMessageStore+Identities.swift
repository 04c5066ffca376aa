public import ChatCore
import Foundation
internal import PostgresNIO

extension PostgresMessageStore {
    public func identity(forKey key: String) async throws -> StoredIdentity? {
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
        let created = try await run { client in
            // ON CONFLICT DO NOTHING + RETURNING: a duplicate is a result, not an error that aborts a transaction.
            let rows = try await client.query(
                """
                INSERT INTO identities (key, display_name, kind, password_hash, created_at)
                VALUES (\(identity.key), \(identity.displayName), \(kind), \(hash), \(identity.createdAt.millisecondsSince1970))
                ON CONFLICT (key) DO NOTHING RETURNING key
                """,
                logger: logger
            )
            return try await rows.collect().count
        }
        if created == 0 { throw StoreError.alreadyExists(identityKey: identity.key) }
    }

    public func claimForCertificate(_ identity: StoredIdentity) async throws -> Bool {
        precondition(identity.kind == .certificate, "claimForCertificate takes a certificate identity")
        let logger = self.logger
        return try await transaction { connection in
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
}
