import ChatCore
import Foundation

/// Turns a ``ServerLine`` into the text shown to the user, per kind, with or without colour.
///
/// Everything that came from the server passes through `TextSanitizer` first, so no byte another user sent can act
/// on the terminal, whatever the server did.
struct ServerLineRenderer: Sendable {
    /// Whether to add ANSI colours (stdout is a terminal and `NO_COLOR` is not set).
    let colour: Bool

    init(colour: Bool) {
        self.colour = colour
    }

    /// Whether colour should be used: `stdoutIsTerminal` and no `NO_COLOR` variable in `environment`.
    static func wantsColour(stdoutIsTerminal: Bool, environment: [String: String]) -> Bool {
        stdoutIsTerminal && environment["NO_COLOR"] == nil
    }

    /// The text to show for `line`, or nil for lines that are not shown (`PING`). Sealed messages are opened with
    /// `opening`; without it they are shown as sealed, unread.
    func render(_ line: ServerLine, opening: (any SealedOpening)? = nil) -> String? {
        let text = TextSanitizer.sanitize(line.text)
        switch line.kind {
        case .prompt:
            return style(.bold, LoginPrompt(parsing: text).text)  // the kind word is for the client, not the user
        case .welcome:
            let name = TextSanitizer.sanitize(line.firstWord)
            let rest = TextSanitizer.sanitize(line.textAfterFirstWord)
            return style(.boldGreen, "Logged in as \(name).") + (rest.isEmpty ? "" : " " + rest)
        case .chat:
            return message(text)
        case .privateMessage:
            return style(.boldMagenta, "[private]") + " " + message(text)
        case .sealed:
            return sealed(line.text, receivedAt: nil, opening: opening)
        case .certificate:
            let size = (line.textAfterFirstWord.utf8.count * 3) / 4
            return "  certificate of \(TextSanitizer.sanitize(line.firstWord)) (about \(size) bytes of DER)"
        case .broadcast:
            return broadcast(text)
        case .notice:
            return style(.yellow, "* " + Self.slashingHints(text))
        case .help:
            return "  " + Self.helpLine(text)
        case .user, .delivery:
            return "  " + text
        case .inbox:
            if let entry = InboxEntry(line.text), entry.kind == "sealed" {
                let received = Self.receivedDate(entry.time)
                return style(.dim, "[inbox #\(entry.id) \(TextSanitizer.sanitize(entry.time))]") + " "
                    + sealed(entry.message, receivedAt: received, opening: opening)
            }
            return inbox(text)
        case .history:
            if let entry = SealedHistoryEntry(line.text) {
                return sealedHistory(entry, opening: opening)
            }
            return history(text)
        case .ok:
            return style(.green, Self.slashingHints(text))
        case .error:
            return error(line)
        case .ping:
            return nil
        case .bye:
            return style(.boldRed, text == "DISCONNECTED!!" ? text : "disconnected: " + text)
        case .unknown:
            let word = TextSanitizer.sanitize(line.word)
            return text.isEmpty ? word : word + " " + text
        }
    }

    /// A status line from the client itself (connected, reconnecting, warnings), styled apart from server lines.
    func status(_ text: String) -> String {
        style(.cyan, "-- " + TextSanitizer.sanitize(text))
    }

    /// A warning from the client itself.
    func warning(_ text: String) -> String {
        style(.boldRed, "!! " + TextSanitizer.sanitize(text))
    }

    /// `name: text` with the name in its colour; text without `": "` is shown as it is.
    private func message(_ text: String) -> String {
        guard let separator = text.firstRange(of: ": ") else {
            return text
        }
        let name = String(text[..<separator.lowerBound])
        return nameStyle(name) + ": " + text[separator.upperBound...]
    }

    /// `<name> to <r1>,<r2>: <text>` → `[broadcast to r1, r2] <name>: <text>`; room-wide: `[broadcast] <name>: <text>`.
    private func broadcast(_ text: String) -> String {
        guard let list = ListBroadcast(text) else {
            return style(.boldYellow, "[broadcast]") + " " + message(text)
        }
        let recipients = list.recipients.joined(separator: ", ")
        return style(.boldYellow, "[broadcast to \(recipients)]") + " " + message(list.sender + ": " + list.text)
    }

    /// `<id> <time> <kind> <name>: <text>` → `[inbox #<id> <time>] [<kind>] <name>: <text>`; the older
    /// `<time> <name>: <text>` → `[inbox <time>] <name>: <text>`.
    private func inbox(_ text: String) -> String {
        if let entry = InboxEntry(text) {
            let kind =
                entry.kind == "private" ? style(.boldMagenta, "[private]") : style(.boldYellow, "[\(entry.kind)]")
            return style(.dim, "[inbox #\(entry.id) \(entry.time)]") + " " + kind + " " + message(entry.message)
        }
        guard let space = text.firstIndex(of: " ") else {
            return style(.dim, "[inbox]") + " " + text
        }
        let time = text[..<space]
        return style(.dim, "[inbox \(time)]") + " " + message(String(text[text.index(after: space)...]))
    }

    /// `<time> <from> -> <to>: <text>` → `[<time>] <from> -> <to>: <text>`.
    private func history(_ text: String) -> String {
        guard let space = text.firstIndex(of: " ") else {
            return text
        }
        let time = text[..<space]
        return style(.dim, "[\(time)]") + " " + text[text.index(after: space)...]
    }

    /// `<name>: <sealed>` → `[sealed] <name>: <text>` once opened: `[sealed]` in green when verified, in red with
    /// the reasons when not, and no text when it could not be opened.
    private func sealed(_ raw: String, receivedAt: Date?, opening: (any SealedOpening)?) -> String {
        guard let separator = raw.firstRange(of: ": ") else { return style(.boldRed, "[sealed, malformed]") }
        let sender = String(raw[..<separator.lowerBound])
        let payload = String(raw[separator.upperBound...])
        let view = opening?.open(payload, from: sender, to: nil, receivedAt: receivedAt)
        return sealedLabel(view) + " " + sealedBody(view, from: TextSanitizer.sanitize(sender))
    }

    /// `<time> <from> -> <to> sealed: <sealed>` → `[<time>] <from> -> <to> [sealed]: <text>`.
    private func sealedHistory(_ entry: SealedHistoryEntry, opening: (any SealedOpening)?) -> String {
        let view = opening?.open(
            entry.sealed,
            from: entry.from,
            to: entry.to,
            receivedAt: Self.receivedDate(entry.time)
        )
        let head = TextSanitizer.sanitize("\(entry.from) -> \(entry.to)")
        let body = view?.text.map { ": " + TextSanitizer.sanitize($0) } ?? ""
        return style(.dim, "[\(TextSanitizer.sanitize(entry.time))]") + " " + head + " " + sealedLabel(view) + body
            + sealedNotes(view)
    }

    /// The time of an `INBOX` or `HISTORY` line, which a sealed message's signed time is compared with.
    private static func receivedDate(_ stamp: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: stamp)
    }

    private func sealedLabel(_ view: SealedView?) -> String {
        guard let view else { return style(.boldRed, "[sealed, not opened: this client has no key for it]") }
        let reasons = view.warnings.map(TextSanitizer.sanitize).joined(separator: "; ")
        if view.text == nil { return style(.boldRed, "[sealed, cannot be opened: \(reasons)]") }
        return view.warnings.isEmpty
            ? style(.boldGreen, "[sealed, verified]") : style(.boldRed, "[sealed, NOT VERIFIED: \(reasons)]")
    }

    private func sealedBody(_ view: SealedView?, from sender: String) -> String {
        guard let text = view?.text else { return "from " + nameStyle(sender) }
        return nameStyle(sender) + ": " + TextSanitizer.sanitize(text) + sealedNotes(view)
    }

    private func sealedNotes(_ view: SealedView?) -> String {
        guard let notes = view?.notes, !notes.isEmpty else { return "" }
        return style(.dim, " (" + notes.map(TextSanitizer.sanitize).joined(separator: "; ") + ")")
    }

    /// `ERROR <code> <explanation>` → `error: <explanation> (<code>)`.
    private func error(_ line: ServerLine) -> String {
        let code = TextSanitizer.sanitize(line.firstWord)
        let explanation = Self.slashingHints(TextSanitizer.sanitize(line.textAfterFirstWord))
        let text = explanation.isEmpty ? "error: \(code)" : "error: \(explanation) (\(code))"
        return style(.boldRed, text)
    }

    /// The server's hints (`type 'inbox' to read them`) written as this client's commands (`type '/inbox' …`):
    /// here a bare `inbox` is chat. Only a quoted text that starts with a command word is changed.
    /// A `HELP` line (`<form> - <what it does>`) as this client's command: `/` before a command typed as such; a
    /// command this client sends by itself (`cert` and `seal` for `/seal`, `pong` for the keep-alive) is marked so,
    /// since typing it is refused. The closing line's hint is slashed too.
    static func helpLine(_ text: String) -> String {
        let word = text.prefix { $0 != " " }
        guard !word.isEmpty, text.dropFirst(word.count).hasPrefix(" ") || word.count == text.count,
            word.allSatisfy({ $0.isLetter })
        else {
            return slashingHints(text)
        }
        if TypedLine.serverCommands.contains(String(word)) || word == "tata" {
            return "/" + slashingHints(text)
        }
        return slashingHints(text) + " (this client sends it for you)"
    }

    static func slashingHints(_ text: String) -> String {
        let marker = "type '"
        var result = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: marker) {
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let word = rest.prefix { $0 != " " && $0 != "'" }
            if TypedLine.serverCommands.contains(String(word)) || word == "tata" {
                result += "/"
            }
        }
        return result + rest
    }

    private func nameStyle(_ name: String) -> String {
        guard colour else {
            return name
        }
        let palette: [ANSIStyle] = [.boldCyan, .boldGreen, .boldBlue, .boldMagenta, .boldYellow]
        let index = name.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF } % palette.count
        return palette[index].apply(to: name, colour: true)
    }

    private func style(_ style: ANSIStyle, _ text: String) -> String {
        style.apply(to: text, colour: colour)
    }
}
