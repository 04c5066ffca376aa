/// Every command's usage form, help text and argument count, in the style of ergo's `commands.go`.
///
/// The parser checks the argument count here before it looks at the arguments themselves, usage errors quote
/// ``Entry/usage``, and `help` answers with one `HELP` line per entry, so the three never disagree.
public enum CommandTable {
    /// One command.
    public struct Entry: Sendable, Hashable {
        /// The command word.
        public let verb: CommandVerb
        /// The form shown in `HELP` lines and usage errors, e.g. `wholast <minutes>`.
        public let usage: String
        /// What the command does, in one line.
        public let summary: String
        /// How many space-separated words may follow the command word.
        let arguments: ArgumentCount
    }

    /// How many words may follow a command word.
    enum ArgumentCount: Sendable, Hashable {
        /// None at all.
        case none
        /// Exactly this many.
        case exactly(Int)
        /// Zero up to this many.
        case upTo(Int)
        /// This many or more (the last of them starts free text).
        case atLeast(Int)

        func accepts(_ count: Int) -> Bool {
            switch self {
            case .none: count == 0
            case .exactly(let n): count == n
            case .upTo(let n): count <= n
            case .atLeast(let n): count >= n
            }
        }

        /// Counting words beyond this many cannot change what `accepts` says.
        var countCap: Int {
            switch self {
            case .none: 1
            case .exactly(let n), .upTo(let n): n + 1
            case .atLeast(let n): n
            }
        }
    }

    /// All entries, in the order `help` lists them.
    public static let entries: [Entry] = CommandVerb.allCases.map(entry(for:))

    /// The entry for `verb`.
    public static func entry(for verb: CommandVerb) -> Entry {
        let (usage, summary, arguments) = row(for: verb)
        return Entry(verb: verb, usage: usage, summary: summary, arguments: arguments)
    }

    /// The table itself: usage form, what the command does, and how many words may follow the verb.
    private static func row(for verb: CommandVerb) -> (String, String, ArgumentCount) {
        switch verb {
        case .whoelse:
            ("whoelse", "list the other users online now", .none)
        case .wholast:
            ("wholast <minutes>", "list the users who left in the last <minutes> minutes (1 to 525600)", .exactly(1))
        case .say:
            ("say <text>", "say <text> in the room, even when it starts with a command word", .atLeast(1))
        case .send:
            ("send <user> <message>", "send a private message; it waits in an offline user's inbox", .atLeast(2))
        case .seal:
            (
                "seal <user> <sealed message>",
                "send a message sealed to <user>'s certificate (base64 CMS; see docs/SEALED.md); like 'send'",
                .exactly(2)
            )
        case .cert:
            ("cert <user>", "show the certificate <user> last logged in with (base64 DER), to seal to", .exactly(1))
        case .broadcast:
            (
                "broadcast message <text> | broadcast user <u1> [<u2> …] message <text>",
                "send a message to everybody online, or to the named users (at most 50)", .atLeast(2)
            )
        case .inbox:
            (
                "inbox", "show unread messages that arrived while you were offline; marks the previous page read",
                .none
            )
        case .read:
            ("read [<id>]", "mark read the messages 'inbox' showed you (all, or those up to <id>)", .upTo(1))
        case .history:
            ("history [N]", "show your last N messages, sent and received (default 20, at most 500)", .upTo(1))
        case .block:
            ("block <user>", "stop everything from <user> reaching you", .exactly(1))
        case .unblock:
            ("unblock <user>", "undo 'block <user>'", .exactly(1))
        case .blocked:
            ("blocked", "list the users you block", .none)
        case .register:
            ("register <password>", "protect your name with a password of 8 or more characters (guests)", .exactly(1))
        case .help:
            ("help [<command>]", "list the commands, or explain one of them", .upTo(1))
        case .ping:
            ("ping", "check that the server answers ('OK pong')", .none)
        case .pong:
            ("pong", "answer a PING from the server (no reply)", .none)
        case .tata:
            ("tata", "leave the chat and disconnect", .none)
        }
    }

    /// The whole answer to `help` (every command) or `help <topic>`: the `HELP` lines, then `OK`.
    public static func helpAnswer(for topic: CommandVerb?) -> [ServerReply] {
        let shown = topic.map { [entry(for: $0)] } ?? entries
        return shown.map { .help(form: $0.usage, text: $0.summary) } + [.ok(OKSummary.help(topic))]
    }
}
