/// One logged-in session as ``ChatService`` knows it: made by ``ChatService/join(_:as:on:)`` and passed back with every
/// later call. A value the connection owns (no lock): what belongs to this connection alone lives here.
public struct ChatUser: Sendable {
    /// The name as the user spelled it when logging in.
    public let name: Username
    /// How the user logged in, or `.registered` once a guest registers.
    public internal(set) var identity: IdentityKind
    /// The connection carrying the session.
    public let connection: ConnectionID
    /// The stored presence interval this session is in, if recording it worked.
    var presence: PresenceID?
    /// What `inbox` showed this connection that it has not acknowledged yet (the inbox is at-least-once).
    var shownInbox = ShownInbox()
    /// Whether the user is still in the room (``ChatService/leave(_:because:)`` not done yet).
    public internal(set) var isInRoom = true

    init(name: Username, identity: IdentityKind, connection: ConnectionID) {
        self.name = name
        self.identity = identity
        self.connection = connection
    }
}
