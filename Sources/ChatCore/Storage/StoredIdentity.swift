public import Foundation

/// Someone whose data is stored: a certificate user or a name registered with a password.
///
/// Guests have no identity; nothing is stored for them.
public struct StoredIdentity: Hashable, Sendable {
    /// How an identity proves who it is.
    public enum Kind: Hashable, Sendable {
        /// The name belongs to whoever presents a verified client certificate with this CN.
        case certificate
        /// The name asks for a password; `hash` is the encoded password hash (salt and parameters included).
        case password(hash: String)
    }

    /// The lower-cased name (`Username.key`); unique in the store.
    public var key: String
    /// The spelling shown to others: the one used at the first login.
    public var displayName: String
    /// Certificate or password.
    public var kind: Kind
    /// When the identity was created (kept to the millisecond).
    public var createdAt: Date

    /// Creates an identity value; `key` must be lower-cased.
    public init(key: String, displayName: String, kind: Kind, createdAt: Date) {
        self.key = key
        self.displayName = displayName
        self.kind = kind
        self.createdAt = createdAt
    }
}
