/// The `inbox` answer being received: what the client shows in place of the server's `OK` line, which tells the
/// user to `read` what the client acknowledges by itself.
struct InboxAnswer: Equatable, Sendable {
    /// The highest message id in the answer, the one the client's `read` acknowledges up to.
    private(set) var highestID = 0
    /// Messages shown now.
    private(set) var shown = 0
    /// Messages hidden because this run showed them already.
    private(set) var repeated = 0

    mutating func add(_ entry: InboxEntry, shown isNew: Bool) {
        highestID = max(highestID, entry.id)
        if isNew {
            shown += 1
        } else {
            repeated += 1
        }
    }

    /// `3 new messages shown and marked read, 1 already shown; 5 more: type '/inbox' for the next page`, the
    /// `<m> more` taken from the server's `OK` text.
    func summary(serverText: String) -> String {
        var text = "\(Self.counted(shown, "new message")) shown and marked read"
        if repeated > 0 {
            text += ", \(repeated) already shown"
        }
        if let more = Self.moreCount(in: serverText), more > 0 {
            text += "; \(more) more: type '/inbox' for the next page"
        }
        return text
    }

    /// The `<m>` of `<m> more` in an inbox `OK` line.
    private static func moreCount(in text: String) -> Int? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == ":" || $0 == "," })
        guard let index = words.firstIndex(of: "more"), index > words.startIndex else {
            return nil
        }
        return Int(words[words.index(before: index)])
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}
