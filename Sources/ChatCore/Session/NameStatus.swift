/// What the server knows about a name someone wants to log in with.
public enum NameStatus: Sendable, Equatable {
    /// Free and unregistered: the user logs in as a guest.
    case available
    /// Protected by a password; the encoded hash to verify against.
    case registered(passwordHash: String)
    /// Belongs to a certificate user, and this connection has no such certificate.
    case reservedForCertificate
    /// A guest with this name is online now.
    case online
    /// Somebody is online now under this name, which is an identity (registered or a certificate's).
    case onlineIdentity
    /// This connection's source is locked out of the name after wrong passwords, for this many more seconds.
    case locked(secondsLeft: Int)
    /// The server could not find out (storage failed); the user should try again.
    case unknown
}
