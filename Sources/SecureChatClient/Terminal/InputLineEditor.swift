/// The line being typed: text, cursor and history, changed one ``Key`` at a time. No terminal, no I/O.
///
/// The cursor counts grapheme clusters (what the user sees as characters), so it never lands inside an emoji or
/// between a letter and its accent. ``TerminalView`` turns the state into columns with ``DisplayWidth``.
struct InputLineEditor: Equatable {
    /// What a key did.
    enum Outcome: Equatable {
        /// The line or the cursor changed: redraw.
        case edited
        /// Nothing changed (for example Left at the start of the line).
        case unchanged
        /// Enter: this line is finished and the editor is empty again.
        case submit(String)
        /// Ctrl-D on an empty line.
        case endOfInput
        /// Ctrl-C.
        case interrupt
        /// Ctrl-L: clear the screen and redraw.
        case redrawScreen
    }

    /// The characters typed so far.
    private(set) var characters: [Character] = []

    /// Where the cursor is: 0 is before the first character, `characters.count` after the last.
    private(set) var cursor = 0

    /// Entered lines, oldest first (secret lines are never recorded).
    private(set) var history: [String] = []

    /// While true (a password is being typed), submitted lines stay out of the history. Turning it off clears the
    /// line, so a half-typed password (the connection dropped at the prompt) is never shown.
    var isSecret = false {
        didSet {
            if oldValue, !isSecret {
                replaceLine(with: "")
            }
        }
    }

    /// The most lines the history keeps.
    let historyLimit: Int

    private var historyIndex: Int?
    private var draft: [Character] = []

    /// An empty editor keeping up to `historyLimit` history entries.
    init(historyLimit: Int = 500) {
        self.historyLimit = historyLimit
    }

    /// The line as typed.
    var text: String { String(characters) }

    /// Applies one key.
    mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .insert(let text):
            return insert(text)
        case .enter:
            return submit()
        case .backspace, .control("h"):
            return deleteBeforeCursor()
        case .delete:
            return deleteAtCursor()
        case .left, .control("b"):
            return moveCursor(to: cursor - 1)
        case .right, .control("f"):
            return moveCursor(to: cursor + 1)
        case .home, .control("a"):
            return moveCursor(to: 0)
        case .end, .control("e"):
            return moveCursor(to: characters.count)
        case .wordLeft:
            return moveCursor(to: startOfWord(before: cursor))
        case .wordRight:
            return moveCursor(to: endOfWord(after: cursor))
        case .up, .control("p"):
            return showHistory(offset: -1)
        case .down, .control("n"):
            return showHistory(offset: 1)
        case .control("u"):
            return removeRange(0..<cursor)
        case .control("k"):
            return removeRange(cursor..<characters.count)
        case .control("w"):
            return removeRange(startOfWord(before: cursor)..<cursor)
        case .control("d"):
            return characters.isEmpty ? .endOfInput : deleteAtCursor()
        case .control("c"):
            return .interrupt
        case .control("l"):
            return .redrawScreen
        case .tab:
            return insert(" ")
        case .control, .escape, .unknown:
            return .unchanged
        }
    }

    /// Replaces the whole line (cursor at the end), leaving history browsing.
    mutating func replaceLine(with text: String) {
        characters = Array(text)
        cursor = characters.count
        historyIndex = nil
    }

    private mutating func insert(_ text: String) -> Outcome {
        // Insert as text so a combining mark joins the character before it, then find the cursor again.
        let before = String(characters[..<cursor]) + text
        let after = String(characters[cursor...])
        let joined = Array(before + after)
        let beforeCount = Array(before).count
        // If `before`'s last character merged with `after`'s first, the cursor goes after the merged one.
        cursor = min(beforeCount, joined.count)
        characters = joined
        return .edited
    }

    private mutating func submit() -> Outcome {
        let line = text
        if !isSecret, !TypedLine.holdsSecret(line), !line.allSatisfy(\.isWhitespace), history.last != line {
            history.append(line)
            if history.count > historyLimit {
                history.removeFirst(history.count - historyLimit)
            }
        }
        characters = []
        cursor = 0
        historyIndex = nil
        draft = []
        return .submit(line)
    }

    private mutating func deleteBeforeCursor() -> Outcome {
        guard cursor > 0 else {
            return .unchanged
        }
        return removeRange((cursor - 1)..<cursor)
    }

    private mutating func deleteAtCursor() -> Outcome {
        guard cursor < characters.count else {
            return .unchanged
        }
        return removeRange(cursor..<(cursor + 1))
    }

    private mutating func removeRange(_ range: Range<Int>) -> Outcome {
        guard !range.isEmpty else {
            return .unchanged
        }
        characters.removeSubrange(range)
        cursor = range.lowerBound
        return .edited
    }

    private mutating func moveCursor(to position: Int) -> Outcome {
        let clamped = min(max(position, 0), characters.count)
        guard clamped != cursor else {
            return .unchanged
        }
        cursor = clamped
        return .edited
    }

    /// Skips whitespace to the left, then the word before it.
    private func startOfWord(before position: Int) -> Int {
        var index = position
        while index > 0, characters[index - 1].isWhitespace {
            index -= 1
        }
        while index > 0, !characters[index - 1].isWhitespace {
            index -= 1
        }
        return index
    }

    /// Skips whitespace to the right, then the word after it.
    private func endOfWord(after position: Int) -> Int {
        var index = position
        while index < characters.count, characters[index].isWhitespace {
            index += 1
        }
        while index < characters.count, !characters[index].isWhitespace {
            index += 1
        }
        return index
    }

    private mutating func showHistory(offset: Int) -> Outcome {
        guard !isSecret, !history.isEmpty else {
            return .unchanged
        }
        let current = historyIndex ?? history.count
        let next = min(max(current + offset, 0), history.count)
        guard next != current else {
            return .unchanged
        }
        if historyIndex == nil {
            draft = characters
        }
        if next == history.count {
            characters = draft
            historyIndex = nil
        } else {
            characters = Array(history[next])
            historyIndex = next
        }
        cursor = characters.count
        return .edited
    }
}
