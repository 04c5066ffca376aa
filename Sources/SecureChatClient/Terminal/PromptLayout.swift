/// Where the prompt line's text and cursor go on a terminal row of a given width. Pure; no terminal.
///
/// The input line always fits on one row: when the text is wider than the room after the prompt, a window of it
/// that contains the cursor is shown (horizontal scrolling), so incoming lines can be printed above the prompt
/// without having to work out how many rows the input wrapped onto.
struct PromptLayout: Equatable {
    /// The prompt as shown: whole, or its end after `…` when it would leave too little room on the row.
    var visiblePrompt: String
    /// The part of the input that is shown after the prompt.
    let visibleText: String
    /// The 0-based column where the cursor goes.
    let cursorColumn: Int

    init(visiblePrompt: String, visibleText: String, cursorColumn: Int) {
        self.visiblePrompt = visiblePrompt
        self.visibleText = visibleText
        self.cursorColumn = cursorColumn
    }

    /// Lays out `prompt` and `characters` with the cursor before `characters[cursor]` on a row `width` columns
    /// wide. One column is kept free so the cursor after the last character never wraps. A prompt that would leave
    /// the input less than a third of the row (a long name on a narrow terminal) is cut at its start, so the row
    /// never wraps: a wrapped row would be left behind on the screen by every redraw.
    static func make(prompt: String, characters: [Character], cursor: Int, width: Int) -> PromptLayout {
        let prompt = fitted(prompt, width: width)
        let promptWidth = DisplayWidth.of(prompt)
        let room = max(width - promptWidth - 1, 1)
        let widths = characters.map { DisplayWidth.of($0) }
        let cursor = min(max(cursor, 0), characters.count)

        // Start as far left as possible while the text up to the cursor still fits.
        var start = 0
        var beforeCursor = widths[..<cursor].reduce(0, +)
        while beforeCursor > room, start < cursor {
            beforeCursor -= widths[start]
            start += 1
        }
        // Then show as much after the start as fits.
        var end = start
        var used = 0
        while end < characters.count, used + widths[end] <= room {
            used += widths[end]
            end += 1
        }
        return PromptLayout(
            visiblePrompt: prompt,
            visibleText: String(characters[start..<max(end, start)]),
            cursorColumn: promptWidth + beforeCursor
        )
    }

    /// `prompt`, or `…` and as much of its end as leaves the input a third of `width` (at least one column) and the
    /// cursor's free column.
    static func fitted(_ prompt: String, width: Int) -> String {
        let limit = max(width - 1 - max(width / 3, 1), 0)
        guard DisplayWidth.of(prompt) > limit else { return prompt }
        guard limit > 1 else { return "" }
        var kept: [Character] = []
        var used = 1  // the ellipsis
        for character in prompt.reversed() {
            let characterWidth = DisplayWidth.of(character)
            guard used + characterWidth <= limit else { break }
            kept.insert(character, at: 0)
            used += characterWidth
        }
        return "…" + String(kept)
    }
}
