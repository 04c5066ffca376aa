public import Foundation

/// A ``MessageStore`` kept in memory, for unit tests and development. Nothing survives the process.
///
/// It follows the same rules as the SQLite store (times kept to the millisecond, the same ordering), so tests written
/// against it hold for the real store.
public actor InMemoryMessageStore: MessageStore {
    struct Presence {
        var id: PresenceID
        var nameKey: String
        var displayName: String
        var identityKey: String?
        var start: Date
        var end: Date?
    }

    var identities: [String: StoredIdentity] = [:]
    var certificates: [String: [UInt8]] = [:]
    var presences: [Presence] = []
    /// Messages in id order.
    var messages: [StoredMessage] = []
    /// Per owner, the keys it blocks and when each block was made.
    var blockLists: [String: [String: Date]] = [:]
    var lastHeartbeat: Date?
    /// Wrong passwords per name, then per source; and each name's budget.
    var loginRecords: [String: [String: LoginAttempts.Record]] = [:]
    var loginBudgets: [String: LoginAttempts.Budget] = [:]
    var nextMessageID: Int64 = 1
    var nextPresenceID: Int64 = 1
    var isClosed = false

    /// Creates an empty store.
    public init() {}

    func checkOpen() throws {
        if self.isClosed {
            throw StoreError.storageFailed("the store is closed")
        }
    }

    // MARK: Identities

    public func identity(forKey key: String) throws -> StoredIdentity? {
        try self.checkOpen()
        return self.identities[key]
    }

    public func createIdentity(_ identity: StoredIdentity) throws {
        try self.checkOpen()
        guard self.identities[identity.key] == nil else {
            throw StoreError.alreadyExists(identityKey: identity.key)
        }
        var stored = identity
        stored.createdAt = identity.createdAt.roundedToStoreMilliseconds
        self.identities[identity.key] = stored
    }

    @discardableResult
    public func claimForCertificate(_ identity: StoredIdentity) throws -> Bool {
        try self.checkOpen()
        precondition(identity.kind == .certificate, "claimForCertificate takes a certificate identity")
        guard var stored = self.identities[identity.key] else {
            try createIdentity(identity)
            return true
        }
        guard stored.kind != .certificate else { return false }
        stored.kind = .certificate
        stored.displayName = identity.displayName
        self.identities[identity.key] = stored
        return true
    }

    public func certificate(forKey key: String) throws -> [UInt8]? {
        try self.checkOpen()
        return self.certificates[key]
    }

    public func recordCertificate(_ der: [UInt8], forKey key: String, at: Date) throws {
        try self.checkOpen()
        self.certificates[key] = der
    }

    // MARK: Retention

    public func prune(olderThan date: Date) throws -> Int {
        try self.checkOpen()
        let limit = date.roundedToStoreMilliseconds
        let before = self.messages.count
        self.messages.removeAll { $0.at < limit }
        self.presences.removeAll { presence in presence.end.map { $0 < limit } ?? false }
        let seconds = limit.timeIntervalSince1970
        for name in self.loginRecords.keys {
            self.loginRecords[name] = self.loginRecords[name]?.filter { _, record in
                record.lastFailure >= seconds || record.lockedUntil >= seconds
            }
        }
        self.loginBudgets = self.loginBudgets.filter { $0.value.lastFailure >= seconds }
        return before - self.messages.count
    }

    // MARK: Lifecycle

    public func close() {
        self.isClosed = true
    }
}
