/// Splits the rest of a command line into words separated by runs of spaces or tabs, keeping the text after any
/// word intact so free text (a message) keeps its inner spacing.
struct ArgumentScanner {
    private var remainder: Substring

    init(_ line: Substring) {
        self.remainder = line
    }

    /// The next word, or nil at the end of the line.
    mutating func next() -> Substring? {
        remainder = remainder.drop(while: Self.isSeparator)
        guard !remainder.isEmpty else { return nil }
        let word = remainder.prefix { !Self.isSeparator($0) }
        remainder = remainder[word.endIndex...]
        return word
    }

    /// Everything after the words taken so far, without the separators before it; may be empty.
    var rest: Substring {
        remainder.drop(while: Self.isSeparator)
    }

    /// How many words are left, counting no further than `cap` (free text after the arguments can be long).
    func wordCount(cappedAt cap: Int) -> Int {
        var copy = self
        var count = 0
        while count < cap, copy.next() != nil { count += 1 }
        return count
    }

    static func isSeparator(_ character: Character) -> Bool {
        character == " " || character == "\t"
    }
}
