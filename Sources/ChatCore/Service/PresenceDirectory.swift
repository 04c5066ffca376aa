public import Foundation

/// Who holds a name now, on which connection of which node.
public struct PresenceEntry: Sendable, Equatable {
    /// The name as its holder spelled it when logging in.
    public let name: Username
    /// The connection holding it (its ``ConnectionID/node`` says which server).
    public let connection: ConnectionID
    /// How the holder logged in, or `.registered` once a guest registers.
    public var identity: IdentityKind
    /// The keys a guest holder blocks (kept nowhere else: an identity's blocks are in the store), as far as the
    /// directory keeps them; see ``PresenceDirectory/updateGuestBlocks(_:connection:blocks:)``.
    public var guestBlocks: Set<String>
    /// When the holder logged in, as far as the directory knows (the operator's `who`).
    public var since: Date?

    public init(
        name: Username,
        connection: ConnectionID,
        identity: IdentityKind,
        guestBlocks: Set<String> = [],
        since: Date? = nil
    ) {
        self.name = name
        self.connection = connection
        self.identity = identity
        self.guestBlocks = guestBlocks
        self.since = since
    }
}

/// Who is online and who may try a password: the state every server of a chat must agree on. ``ChatService`` asks it
/// and never keeps its own copy, so a directory shared by several servers (over the database) keeps names unique
/// across all of them. The server's own is ``LocalPresenceDirectory``.
///
/// Names that belong to certificate users are durable and live in the ``MessageStore`` (identities of kind
/// `.certificate`), which every server of a chat shares too.
public protocol PresenceDirectory: Sendable {
    /// Claims `entry.name` for `entry.connection`, atomically: false when someone holds it already.
    func claim(_ entry: PresenceEntry) async throws -> Bool

    /// Gives up `key` if `connection` holds it (a later holder keeps it).
    func release(_ key: String, connection: ConnectionID) async throws

    /// Records that the holder of `key` on `connection` now has `identity` (a guest who registered).
    func update(_ key: String, connection: ConnectionID, identity: IdentityKind) async throws

    /// Records the keys the guest holding `key` on `connection` blocks, for servers that cannot ask its session
    /// (the other nodes of a cluster). A directory of one server need not keep them.
    func updateGuestBlocks(_ key: String, connection: ConnectionID, blocks: Set<String>) async throws

    /// Who holds `key`, if anybody.
    func holder(of key: String) async throws -> PresenceEntry?

    /// Everybody online, in no particular order.
    func everyone() async throws -> [PresenceEntry]

    /// Seconds left on the wrong-password lock of `source` out of the name `key`, if it is locked.
    func lockRemaining(of key: String, from source: String) async throws -> Int?

    /// Counts a wrong password for `key` from `source`; the lock's length in seconds when this one locked the source
    /// out of the name.
    func recordWrongPassword(for key: String, from source: String) async throws -> Int?

    /// Forgets the wrong passwords for `key` from `source` after a right one.
    func recordCorrectPassword(for key: String, from source: String) async throws
}

extension PresenceDirectory {
    /// A server that runs alone asks its own room.
    public func updateGuestBlocks(_ key: String, connection: ConnectionID, blocks: Set<String>) async throws {}
}
