/// A user who is online in the room.
public struct RoomMember: Sendable, Equatable {
    /// The user's name as they spelled it at first login.
    public let name: Username
    /// How the user logged in, or `.registered` once a guest registers.
    public var identity: IdentityKind
    /// The connection that carries the user's session.
    public let connection: ConnectionID
    /// Keys of the users this member blocks.
    public var blocks: Set<String>

    /// A member who blocks the users whose keys are in `blocks`.
    public init(name: Username, identity: IdentityKind, connection: ConnectionID, blocks: Set<String> = []) {
        self.name = name
        self.identity = identity
        self.connection = connection
        self.blocks = blocks
    }

    /// Whether this member accepts anything from the user with key `senderKey`.
    public func accepts(from senderKey: String) -> Bool {
        Self.accepts(from: senderKey, blocking: blocks)
    }

    /// The block rule, for members online and users offline alike: a user who blocks `senderKey` (whose block list
    /// is `blocks`) accepts nothing from them.
    public static func accepts(from senderKey: String, blocking blocks: Set<String>) -> Bool {
        !blocks.contains(senderKey)
    }
}
