/// One line from the server, split into its kind (the first word) and the rest (docs/PROTOCOL.md, "Server lines").
struct ServerLine: Equatable, Sendable {
    /// The kinds the protocol defines. Anything else is ``unknown``.
    enum Kind: String, Equatable, Sendable, CaseIterable {
        case prompt = "PROMPT"
        case welcome = "WELCOME"
        case chat = "CHAT"
        case privateMessage = "PRIVATE"
        case sealed = "SEALED"
        case certificate = "CERT"
        case broadcast = "BROADCAST"
        case notice = "NOTICE"
        case user = "USER"
        case delivery = "DELIVERY"
        case inbox = "INBOX"
        case history = "HISTORY"
        case help = "HELP"
        case ok = "OK"
        case error = "ERROR"
        case ping = "PING"
        case bye = "BYE"
        case unknown = ""
    }

    /// What the line is.
    let kind: Kind
    /// The first word as sent (the kind's name, or the unrecognised word).
    let word: String
    /// Everything after the first space; may contain text from other users, so sanitise before showing it.
    let text: String

    /// Splits `raw` (without its line ending; a trailing CR is dropped) at the first space.
    init(parsing raw: String) {
        var line = Substring(raw)
        if line.hasSuffix("\r") {
            line = line.dropLast()
        }
        let space = line.firstIndex(of: " ")
        let word = String(line[..<(space ?? line.endIndex)])
        self.word = word
        self.text = space.map { String(line[line.index(after: $0)...]) } ?? ""
        self.kind = Kind(rawValue: word).flatMap { $0 == .unknown ? nil : $0 } ?? .unknown
    }

    /// Decodes `bytes` as UTF-8 (invalid sequences become U+FFFD) and parses them.
    init(bytes: some Collection<UInt8>) {
        self.init(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// A line of `kind` with `text`, for tests and for lines the client makes up.
    init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.word = kind.rawValue
        self.text = text
    }

    /// The second word of the text (the user name in `WELCOME`, the error code in `ERROR`).
    var firstWord: String {
        String(text.prefix { $0 != " " })
    }

    /// The text after the first word.
    var textAfterFirstWord: String {
        guard let space = text.firstIndex(of: " ") else {
            return ""
        }
        return String(text[text.index(after: space)...])
    }
}
