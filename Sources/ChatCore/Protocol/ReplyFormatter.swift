/// Writes ``ServerReply`` values as wire lines: the only place that knows the wire format of server lines.
///
/// Every line is `KIND text`. The whole line passes through ``TextSanitizer``, so user text cannot carry control
/// characters, escape sequences or line breaks onto the wire, whatever the caller put into the reply.
public enum ReplyFormatter {
    /// The seed text after `WELCOME <name> `.
    public static let welcomeText = "Welcome to chat room. Enter 'tata' anytime to exit"

    /// The line for `reply`, without the trailing newline.
    public static func line(for reply: ServerReply) -> String {
        TextSanitizer.sanitize(unsanitizedLine(for: reply))
    }

    /// The line for `reply` as UTF-8, ending in a single LF.
    public static func bytes(for reply: ServerReply) -> [UInt8] {
        let line = line(for: reply)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.utf8.count + 1)
        bytes.append(contentsOf: line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private static func unsanitizedLine(for reply: ServerReply) -> String {
        switch reply {
        case .promptUsername:
            "PROMPT " + LoginPrompt(.plain, "Enter username:").wireText
        case .promptPassword(let name):
            "PROMPT " + LoginPrompt(.password, "Enter password for \(name):").wireText
        case .welcome(let name):
            "WELCOME \(name) \(welcomeText)"
        case .chat(let name, let text):
            "CHAT \(name): \(text)"
        case .privateMessage(let name, let text):
            "PRIVATE \(name): \(text)"
        case .sealed(let name, let sealed):
            "SEALED \(name): \(sealed)"
        case .broadcast(let name, let text):
            "BROADCAST \(name): \(text)"
        case .listBroadcast(let name, let recipients, let text):
            "BROADCAST \(name) to \(recipients.joined(separator: ",")): \(text)"
        case .joined(let name):
            "NOTICE \(name) joined the conversation"
        case .left(let name):
            "NOTICE \(name) left the conversation"
        case .leftUnexpectedly(let name):
            "NOTICE \(name) left the conversation unexpectedly"
        case .unreadMessages(let count):
            "NOTICE you have \(OKSummary.counted(count, "unread message")); type 'inbox' to read them"
        case .serverShuttingDown:
            "NOTICE the server is shutting down"
        case .notice(let text):
            "NOTICE \(text)"
        case .user(let name):
            "USER \(name)"
        case .userLastSeen(let name, let date):
            "USER \(name) last seen \(UTCTimestamp.string(from: date))"
        case .delivery(let name, let status, let explanation):
            "DELIVERY \(name) \(status.rawValue) \(explanation)"
        case .inbox(let id, let date, let kind, let name, let text):
            "INBOX \(id) \(UTCTimestamp.string(from: date)) \(kind.rawValue) \(name): \(text)"
        case .history(let date, let sender, let recipient, let text):
            "HISTORY \(UTCTimestamp.string(from: date)) \(sender) -> \(recipient): \(text)"
        case .sealedHistory(let date, let sender, let recipient, let sealed):
            "HISTORY \(UTCTimestamp.string(from: date)) \(sender) -> \(recipient) sealed: \(sealed)"
        case .certificate(let name, let der):
            "CERT \(name) \(der)"
        case .help(let form, let text):
            "HELP \(form) - \(text)"
        case .ok(let summary):
            "OK \(summary)"
        case .error(let error):
            "ERROR \(error.code.wireName) \(error.message)"
        case .ping:
            "PING keep-alive"
        case .bye(let reason):
            "BYE \(reason)"
        }
    }
}
