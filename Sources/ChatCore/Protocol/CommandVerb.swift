/// The first word of a command line; the raw value is the word as written in docs/PROTOCOL.md.
///
/// Every verb is also a reserved word that no user can take as a name.
public enum CommandVerb: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `whoelse`
    case whoelse
    /// `wholast <minutes>`
    case wholast
    /// `say <text>`: a chat line, whatever word it starts with.
    case say
    /// `send <user> <message>`
    case send
    /// `seal <user> <sealed message>`: a private message only the recipient can read (docs/SEALED.md).
    case seal
    /// `cert <user>`: the certificate `user` last logged in with.
    case cert
    /// `broadcast message <text>` or `broadcast user <u1> [<u2> …] message <text>`
    case broadcast
    /// `inbox`
    case inbox
    /// `read [<id>]`
    case read
    /// `history [N]`
    case history
    /// `block <user>`
    case block
    /// `unblock <user>`
    case unblock
    /// `blocked`
    case blocked
    /// `register <password>`
    case register
    /// `help [<command>]`
    case help
    /// `ping`
    case ping
    /// `pong`
    case pong
    /// `tata`
    case tata

    /// Matches `word` ASCII-case-insensitively (`WhoElse` is `whoelse`); nil when it names no command.
    public init?(matching word: some StringProtocol) {
        guard word.utf8.count <= 9, word.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        self.init(rawValue: word.lowercased())
    }

    /// The word itself.
    public var description: String { rawValue }
}
