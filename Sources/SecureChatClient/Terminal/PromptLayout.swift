/// Where the prompt line's text and cursor go on a terminal row of a given width. Pure; no terminal.
///
/// The input line always fits on one row: when the text is wider than the room after the prompt, a window of it
/// that contains the cursor is shown (horizontal scrolling), so incoming lines can be printed above the prompt
/// without having to work out how many rows the input wrapped onto.
struct PromptLayout: Equatable {
    /// The part of the input that is shown after the prompt.
    let visibleText: String
    /// The 0-based column where the cursor goes.
    let cursorColumn: Int

    /// Lays out `prompt` and `characters` with the cursor before `characters[cursor]` on a row `width` columns
    /// wide. One column is kept free so the cursor after the last character never wraps.
    static func make(prompt: String, characters: [Character], cursor: Int, width: Int) -> PromptLayout {
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
            visibleText: String(characters[start..<max(end, start)]),
            cursorColumn: promptWidth + beforeCursor
        )
    }
}
