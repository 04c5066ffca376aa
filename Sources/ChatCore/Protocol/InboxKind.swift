/// How a stored message was sent, as the word after the time in an `INBOX` line says it.
public enum InboxKind: String, Sendable, Hashable, CaseIterable {
    /// `send <user> <message>`.
    case `private`
    /// `broadcast user <u1> [<u2> …] message <text>`.
    case broadcast
}
