public import ChatCore
public import Foundation
internal import GRDB

extension SQLiteMessageStore {
    public func identity(forKey key: String) async throws -> StoredIdentity? {
        if let cached = cache.identity(key) { return cached }
        let generation = cache.generation
        let identity = try await readIdentity(key)
        cache.remember(identity: identity, for: key, readAt: generation)
        return identity
    }

    private func readIdentity(_ key: String) async throws -> StoredIdentity? {
        try await self.read { db in try Self.fetchIdentity(key, in: db) }
    }

    private static func fetchIdentity(_ key: String, in db: Database) throws -> StoredIdentity? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT key, display_name, kind, password_hash, created_at FROM identity WHERE key = ?",
                arguments: [key]
            )
        else {
            return nil
        }
        let kindName: String = row["kind"]
        let kind: StoredIdentity.Kind
        switch kindName {
        case "certificate":
            kind = .certificate
        case "password":
            kind = .password(hash: row["password_hash"] ?? "")
        default:
            throw StoreError.storageFailed("identity '\(key)' has an unknown kind '\(kindName)'")
        }
        return StoredIdentity(
            key: row["key"],
            displayName: row["display_name"],
            kind: kind,
            createdAt: Date(millisecondsSince1970: row["created_at"])
        )
    }

    public func certificate(forKey key: String) async throws -> [UInt8]? {
        try await self.read { db in
            try Data.fetchOne(db, sql: "SELECT der FROM certificate WHERE identity_key = ?", arguments: [key])
                .map { [UInt8]($0) }
        }
    }

    /// Reads first: a certificate user logs in with the same certificate for a year, and a read costs no commit.
    public func recordCertificate(_ der: [UInt8], forKey key: String, at: Date) async throws {
        guard try await certificate(forKey: key) != der else { return }
        try await self.write { db in
            try db.execute(
                sql: """
                    INSERT INTO certificate (identity_key, der, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (identity_key) DO UPDATE SET der = excluded.der, updated_at = excluded.updated_at
                    """,
                arguments: [key, Data(der), at.millisecondsSince1970]
            )
        }
    }

    public func claimForCertificate(_ identity: StoredIdentity) async throws -> Bool {
        precondition(identity.kind == .certificate, "claimForCertificate takes a certificate identity")
        let claimed = try await self.write { db -> StoredIdentity? in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO identity (key, display_name, kind, password_hash, created_at)
                    VALUES (?, ?, 'certificate', NULL, ?)
                    """,
                arguments: [identity.key, identity.displayName, identity.createdAt.millisecondsSince1970]
            )
            if db.changesCount == 0 {
                try db.execute(
                    sql: """
                        UPDATE identity SET kind = 'certificate', password_hash = NULL, display_name = ?
                        WHERE key = ? AND kind <> 'certificate'
                        """,
                    arguments: [identity.displayName, identity.key]
                )
                guard db.changesCount > 0 else { return nil }
            }
            return try Self.fetchIdentity(identity.key, in: db)
        }
        guard let claimed else { return false }
        cache.stored(claimed)
        return true
    }

    public func createIdentity(_ identity: StoredIdentity) async throws {
        let kind: String
        let hash: String?
        switch identity.kind {
        case .certificate:
            kind = "certificate"
            hash = nil
        case .password(let passwordHash):
            kind = "password"
            hash = passwordHash
        }
        try await self.write { db in
            // INSERT OR IGNORE + changesCount: a duplicate is a result, not an SQLite error.
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO identity (key, display_name, kind, password_hash, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [identity.key, identity.displayName, kind, hash, identity.createdAt.millisecondsSince1970]
            )
            if db.changesCount == 0 {
                throw StoreError.alreadyExists(identityKey: identity.key)
            }
        }
        cache.stored(identity)
    }
}
