import Foundation

/// What a line typed after login becomes. A plain line is chat, sent as `say <line>` so that it may begin with any
/// word (docs/PROTOCOL.md); commands start with `/`, including the habits IRC users bring (`/msg`, `/quit`, `/me`).
/// The one plain line that is not chat is `tata` alone, which leaves, as the server's welcome says. Pure: the session
/// state machine acts on the result.
enum TypedLine: Equatable {
    /// Send this line to the server.
    case send(String)
    /// Leave the conversation (`tata`).
    case leave
    /// Show the client's own commands (``helpLines``), then send `help` for the server's.
    case help
    /// `/seal <user> <text>`: a message sealed to `recipient`'s certificate (docs/SEALED.md).
    case seal(recipient: String, text: String)
    /// `/accept <user>`: trust the new key seen for `user`.
    case accept(String)
    /// `/keys [<user>]`: this user's key and those remembered (or `user`'s), to compare out of band.
    case keys(String?)
    /// Not sent: the reason, for the user.
    case refused(String)
    /// Nothing to send (an empty line).
    case nothing

    /// The commands sent as they are typed, without the `/`.
    static let serverCommands: Set<String> = [
        "whoelse", "wholast", "send", "broadcast", "inbox", "read", "history", "block", "unblock", "blocked",
        "register", "help", "ping", "say",
    ]

    /// The client's own command names and the command each sends, for `/help <name>`.
    static let clientAliases = ["msg": "send", "me": "say", "quit": "tata"]

    /// The client's `/help`: one line per command.
    static let helpLines = [
        "Plain lines are chat. Commands start with /:",
        "  /whoelse                     who else is online",
        "  /wholast <minutes>           who was online in the last <minutes>",
        "  /send <user> <text>          a private message (also /msg)",
        "  /seal <user> <text>          a private message only <user> can read, signed by you (certificates only)",
        "  /accept <user>               trust <user>'s new certificate key after a warning about it",
        "  /keys [<user>]               your key and the keys remembered for sealed messages, to compare",
        "  /broadcast message <text>    to everyone; /broadcast user <u1> <u2> message <text>: to some",
        "  /inbox                       messages that came while you were away (marked read once shown)",
        "  /read [<id>]                 mark inbox messages read up to <id>",
        "  /history [<n>]               your last messages",
        "  /block <user>, /unblock <user>, /blocked",
        "  /register <password>         keep your name for next time",
        "  /me <action>                 an action, sent as the chat line \"* <action>\"",
        "  /say <text>                  a chat line, even one that starts with /",
        "  /ping, /help [<command>]",
        "  /tata, tata alone            leave",
        "  /quit [<reason>]             leave (the reason is not sent: the server takes none)",
    ]

    /// Whether `line` carries a password (`/register <password>`, however spelt or spaced): it is shown masked
    /// (``shown(_:)``) and kept out of the history.
    static func holdsSecret(_ line: String) -> Bool {
        let trimmed = line.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("/") else { return false }
        let word = trimmed.dropFirst().prefix { !$0.isWhitespace }
        return word.lowercased() == "register"
    }

    /// `line` as the screen shows it once entered: a password's place is marked, never its text or length.
    static func shown(_ line: String) -> String {
        guard holdsSecret(line) else { return line }
        let trimmed = line.drop { $0.isWhitespace }
        let word = trimmed.prefix { !$0.isWhitespace }
        let rest = trimmed.dropFirst(word.count)
        return rest.allSatisfy(\.isWhitespace) ? String(word) : word + " ********"
    }

    /// Interprets `line`, typed while logged in. Leading spaces do not make a command chat: `" /register x"` is
    /// still `/register`, so a stray space never sends a password to the room.
    static func interpret(_ line: String) -> TypedLine {
        let trimmed = line.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("/") else {
            if trimmed.isEmpty {
                return .nothing
            }
            return trimmed.trimmingCharacters(in: .whitespaces).lowercased() == "tata" ? .leave : .send("say " + line)
        }
        let parts = trimmed.dropFirst().split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        let word = parts.first.map { $0.lowercased() } ?? ""
        let rest = parts.count > 1 ? String(parts[1]) : ""
        let hasArguments = !rest.allSatisfy(\.isWhitespace)
        switch word {
        case "":
            return .refused("empty command; type /help for the list")
        case "quit":
            // IRC's `/quit <reason>`: the protocol's `tata` takes no reason, so the reason is dropped.
            return .leave
        case "tata":
            // Only the bare command leaves; with words after it the server explains the usage.
            return hasArguments ? .send("tata " + rest) : .leave
        case "help" where !hasArguments:
            return .help
        case "help":
            // The client's own names are explained by the server's help for what they send.
            let topic = rest.trimmingCharacters(in: .whitespaces).lowercased().drop { $0 == "/" }
            return .send("help " + (clientAliases[String(topic)] ?? rest))
        case "msg":
            let hasText = rest.split(separator: " ").count >= 2
            return hasText ? .send("send " + rest) : .refused("usage: /msg <user> <text>")
        case "seal":
            let words = rest.split(separator: " ", maxSplits: 1)
            guard words.count == 2, !words[1].allSatisfy(\.isWhitespace) else {
                return .refused("usage: /seal <user> <text>")
            }
            return .seal(recipient: String(words[0]), text: String(words[1]))
        case "accept":
            let words = rest.split(separator: " ")
            return words.count == 1 ? .accept(String(words[0])) : .refused("usage: /accept <user>")
        case "keys":
            let words = rest.split(separator: " ")
            return words.count <= 1 ? .keys(words.first.map(String.init)) : .refused("usage: /keys [<user>]")
        case "say":
            return hasArguments ? .send("say " + rest) : .refused("usage: /say <text>")
        case "me":
            return hasArguments ? .send("say * " + rest) : .refused("usage: /me <action>")
        case _ where serverCommands.contains(word):
            return .send(hasArguments ? word + " " + rest : word)
        default:
            return .refused("unknown command /\(word): plain lines are chat; /help lists the commands")
        }
    }
}
