public import struct Foundation.Date

/// Every kind of line the server sends (docs/PROTOCOL.md, "Server lines"); ``ReplyFormatter`` writes them.
///
/// Names (`from`, `name`) are expected to be valid usernames, so they contain no spaces. Free text (`text`,
/// explanations, summaries) may be anything: the formatter neutralises it before it reaches the wire.
public enum ServerReply: Sendable, Equatable {
    /// `PROMPT Enter username:`, the seed's line: an ordinary answer (``LoginPrompt``).
    case promptUsername
    /// `PROMPT password Enter password for <name>:`: the kind word `password` says the answer is a secret.
    case promptPassword(for: Username)
    /// `WELCOME <name> Welcome to chat room. Enter 'tata' anytime to exit`
    case welcome(Username)
    /// `CHAT <name>: <text>`: a line said in the room.
    case chat(from: String, text: String)
    /// `PRIVATE <name>: <text>`: a private message to this user.
    case privateMessage(from: String, text: String)
    /// `SEALED <name>: <sealed>`: a sealed private message to this user, base64 that only they can open.
    case sealed(from: String, sealed: String)
    /// `BROADCAST <name>: <text>`: a broadcast to everyone that reached this user.
    case broadcast(from: String, text: String)
    /// `BROADCAST <name> to <r1>,<r2>: <text>`: a broadcast to a list of users, this one among them.
    case listBroadcast(from: String, to: [String], text: String)
    /// `NOTICE <name> joined the conversation`
    case joined(String)
    /// `NOTICE <name> left the conversation`
    case left(String)
    /// `NOTICE <name> left the conversation unexpectedly`
    case leftUnexpectedly(String)
    /// `NOTICE you have <n> unread messages; type 'inbox' to read them`
    case unreadMessages(Int)
    /// `NOTICE the server is shutting down`
    case serverShuttingDown
    /// `NOTICE <text>`: any other event.
    case notice(String)
    /// `USER <name>`: one line of the answer to `whoelse` or `blocked`.
    case user(String)
    /// `USER <name> last seen <time>`: one line of the answer to `wholast`.
    case userLastSeen(String, at: Date)
    /// `DELIVERY <name> <status> <explanation>`: one recipient of `broadcast user …`.
    case delivery(String, status: DeliveryStatus, explanation: String)
    /// `INBOX <id> <time> <kind> <name>: <text>`: one stored message, with the id `read <id>` acknowledges it by.
    case inbox(id: MessageID, at: Date, kind: InboxKind, from: String, text: String)
    /// `HISTORY <time> <from> -> <to>: <text>`: one message of the answer to `history`.
    case history(at: Date, from: String, to: String, text: String)
    /// `HISTORY <time> <from> -> <to> sealed: <sealed>`: one sealed message of the answer to `history`.
    case sealedHistory(at: Date, from: String, to: String, sealed: String)
    /// `CERT <name> <certificate>`: the data line of the answer to `cert`, the certificate as base64 DER.
    case certificate(name: String, der: String)
    /// `HELP <form> - <text>`: one command of the answer to `help`.
    case help(form: String, text: String)
    /// `OK <summary>`: the last line of a successful command's answer; see ``OKSummary``.
    case ok(String)
    /// `ERROR <code> <message>`
    case error(ProtocolError)
    /// `PING keep-alive`
    case ping
    /// `BYE <reason>`: the last line before the server closes the connection.
    case bye(String)

    /// The reason in the `BYE` line that answers `tata`.
    public static let disconnectedText = "DISCONNECTED!!"

    /// `BYE DISCONNECTED!!`, the answer to `tata`.
    public static let disconnected = ServerReply.bye(disconnectedText)
}
