/// The parts of an `INBOX <id> <time> <kind> <name>: <text>` line (docs/PROTOCOL.md), for display and for
/// acknowledging what was shown.
struct InboxEntry: Equatable, Sendable {
    /// The message's id: positive, unique, increasing in arrival order.
    let id: Int
    let time: String
    /// `private` (a `send`) or `broadcast` (a `broadcast user … message …`), as sent.
    let kind: String
    /// `<name>: <text>`.
    let message: String

    /// Parses the text of an `INBOX` line; nil when it is not in this form.
    init?(_ text: String) {
        let parts = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let id = Int(parts[0]), id > 0 else {
            return nil
        }
        self.id = id
        self.time = String(parts[1])
        self.kind = String(parts[2])
        self.message = String(parts[3])
    }
}

/// The parts of a `BROADCAST <name> to <r1>,<r2>: <text>` line: a broadcast to a list of users, told apart from a
/// room-wide `BROADCAST <name>: <text>`.
struct ListBroadcast: Equatable, Sendable {
    let sender: String
    let recipients: [String]
    let text: String

    /// Parses the text of a `BROADCAST` line; nil for a room-wide broadcast.
    init?(_ text: String) {
        guard let separator = text.firstRange(of: ": ") else {
            return nil
        }
        let head = text[..<separator.lowerBound]
        // Names have no spaces, so a head with " to " can only be the list form.
        guard let to = head.firstRange(of: " to ") else {
            return nil
        }
        self.sender = String(head[..<to.lowerBound])
        self.recipients = head[to.upperBound...].split(separator: ",").map(String.init)
        self.text = String(text[separator.upperBound...])
    }
}

/// The parts of a sealed `HISTORY <time> <from> -> <to> sealed: <sealed>` line.
struct SealedHistoryEntry: Equatable, Sendable {
    let time: String
    let from: String
    let to: String
    let sealed: String

    /// Parses the text of a `HISTORY` line; nil when it is not a sealed message's.
    init?(_ text: String) {
        // Names have no spaces, so `<to> sealed: ` can only be the sealed form.
        let parts = text.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false)
        // A plain message whose text starts with "sealed: " has `<to>:` in the fourth place: names have no colon.
        guard parts.count == 6, parts[2] == "->", parts[4] == "sealed:", !parts[3].contains(":") else { return nil }
        self.time = String(parts[0])
        self.from = String(parts[1])
        self.to = String(parts[3])
        self.sealed = String(parts[5])
    }
}
