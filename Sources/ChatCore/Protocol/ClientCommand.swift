/// A command line from a logged-in user, with its arguments checked.
public enum ClientCommand: Sendable, Equatable, CustomStringConvertible {
    /// `whoelse`: list the other users online.
    case whoelse
    /// `wholast <minutes>`: users who were online during the last `minutes` minutes (1…525600).
    case wholast(minutes: Int)
    /// `send <user> <message>`: a private message; `text` is never empty and keeps its inner spaces.
    case send(to: Username, text: String)
    /// `seal <user> <sealed message>`: `sealed` is base64 of a DER-encoded CMS message, checked for form only.
    case seal(to: Username, sealed: String)
    /// `cert <user>`: the certificate `user` last logged in with, for sealing a message to them.
    case certificate(of: Username)
    /// `broadcast message <text>`: to everybody else online.
    case broadcastAll(text: String)
    /// `broadcast user <u1> [<u2> …] message <text>`: to 1…50 distinct users, in the order first named.
    case broadcastUsers([Username], text: String)
    /// `inbox`: the next page of unread messages; first acknowledges what the previous `inbox` showed.
    case inbox
    /// `read [<id>]`: acknowledges the messages `inbox` showed on this connection, those up to `upTo` or all.
    case read(upTo: MessageID?)
    /// `history [N]`: the last `limit` messages (1…500, default 20).
    case history(limit: Int)
    /// `block <user>`.
    case block(Username)
    /// `unblock <user>`.
    case unblock(Username)
    /// `blocked`: list the users blocked.
    case blocked
    /// `register <password>`: a password of at least 8 characters.
    case register(password: String)
    /// `help [<command>]`: every command, or just `topic`.
    case help(topic: CommandVerb?)
    /// `ping`: the server answers `OK pong`.
    case ping
    /// `pong`: the answer to a `PING`; the server sends nothing back.
    case pong
    /// `tata`: leave and disconnect.
    case tata

    /// The command word.
    public var verb: CommandVerb {
        switch self {
        case .whoelse: .whoelse
        case .wholast: .wholast
        case .send: .send
        case .seal: .seal
        case .certificate: .cert
        case .broadcastAll, .broadcastUsers: .broadcast
        case .inbox: .inbox
        case .read: .read
        case .history: .history
        case .block: .block
        case .unblock: .unblock
        case .blocked: .blocked
        case .register: .register
        case .help: .help
        case .ping: .ping
        case .pong: .pong
        case .tata: .tata
        }
    }

    /// A form for logs that never shows a password or a message's text: `send bob <12 characters>`.
    public var description: String {
        switch self {
        case .whoelse, .inbox, .blocked, .ping, .pong, .tata: verb.rawValue
        case .wholast(let minutes): "wholast \(minutes)"
        case .read(let id): id.map { "read \($0)" } ?? "read"
        case .send(let name, let text): "send \(name) <\(OKSummary.counted(text.count, "character"))>"
        case .seal(let name, let sealed): "seal \(name) <\(OKSummary.counted(sealed.utf8.count, "byte"))>"
        case .certificate(let name): "cert \(name)"
        case .broadcastAll(let text): "broadcast message <\(OKSummary.counted(text.count, "character"))>"
        case .broadcastUsers(let names, let text):
            "broadcast user \(names.map(\.display).joined(separator: " ")) message "
                + "<\(OKSummary.counted(text.count, "character"))>"
        case .history(let limit): "history \(limit)"
        case .block(let name): "block \(name)"
        case .unblock(let name): "unblock \(name)"
        case .register: "register <password>"
        case .help(let topic): topic.map { "help \($0)" } ?? "help"
        }
    }
}
