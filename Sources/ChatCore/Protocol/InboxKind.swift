/// How a stored message was sent, as the word after the time in an `INBOX` line says it.
public enum InboxKind: String, Sendable, Hashable, CaseIterable {
    /// `send <user> <message>`.
    case `private`
    /// `broadcast user <u1> [<u2> …] message <text>`.
    case broadcast
    /// `seal <user> <sealed message>`: the text is the sealed message, base64 only the recipient can open.
    case sealed
}
