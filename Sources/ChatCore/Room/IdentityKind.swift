/// How a logged-in user proved who they are, which decides whether anything is stored for them.
public enum IdentityKind: String, Sendable, Hashable {
    /// Nobody vouches for the name; nothing is stored for it.
    case guest
    /// The name is protected by a password (`register`).
    case registered
    /// A verified client certificate whose CN is the name.
    case certificate

    /// Whether inbox, history and blocks are stored for this user.
    public var hasIdentity: Bool {
        switch self {
        case .guest: false
        case .registered, .certificate: true
        }
    }
}
