import Testing

@testable import SecureChatClient

@Suite struct PromptLayoutTests {
    @Test func shortInputIsShownWhole() {
        let layout = PromptLayout.make(prompt: "bob> ", characters: Array("hello"), cursor: 5, width: 80)
        #expect(layout == PromptLayout(visiblePrompt: "bob> ", visibleText: "hello", cursorColumn: 10))
    }

    @Test func wideCharactersCountTwoColumns() {
        let layout = PromptLayout.make(prompt: "> ", characters: Array("日本a"), cursor: 2, width: 80)
        #expect(layout.cursorColumn == 2 + 4)
        #expect(layout.visibleText == "日本a")
    }

    @Test func longInputScrollsSoTheCursorStaysVisible() {
        let text = Array("abcdefghijklmnopqrstuvwxyz")
        // 20 columns: "> " takes 2, one is kept free, so 17 columns of text.
        let atEnd = PromptLayout.make(prompt: "> ", characters: text, cursor: 26, width: 20)
        #expect(atEnd.visibleText == "jklmnopqrstuvwxyz")
        #expect(atEnd.cursorColumn == 19)
        let atStart = PromptLayout.make(prompt: "> ", characters: text, cursor: 0, width: 20)
        #expect(atStart.visibleText == "abcdefghijklmnopq")
        #expect(atStart.cursorColumn == 2)
    }

    @Test func scrollingNeverSplitsAWideCharacter() {
        let text = Array("日日日日日日日日日日")  // 20 columns
        let layout = PromptLayout.make(prompt: "", characters: text, cursor: 10, width: 10)
        #expect(DisplayWidth.of(layout.visibleText) <= 9)
        #expect(layout.cursorColumn <= 9)
    }

    /// A prompt wider than its share of the row (a 32-character name in a 30-column pane) is cut at its start, so
    /// prompt, input and cursor always fit on one row; a prompt that fits is left whole.
    @Test func aPromptTooWideForTheRowIsCutAtItsStart() {
        let name = "Averyveryverylongusername_abcdef> "
        let layout = PromptLayout.make(prompt: name, characters: Array("hi"), cursor: 2, width: 30)
        #expect(layout.visiblePrompt.hasPrefix("…"))
        #expect(layout.visiblePrompt.hasSuffix("abcdef> "))
        #expect(DisplayWidth.of(layout.visiblePrompt) <= 30 - 1 - 10)
        #expect(layout.visibleText == "hi")
        #expect(layout.cursorColumn < 30)
        for width in 2...40 {
            let row = PromptLayout.make(prompt: name, characters: Array("typed"), cursor: 5, width: width)
            #expect(DisplayWidth.of(row.visiblePrompt + row.visibleText) < width, "width \(width)")
            #expect(row.cursorColumn < width, "width \(width)")
        }
        #expect(PromptLayout.make(prompt: "bob> ", characters: [], cursor: 0, width: 30).visiblePrompt == "bob> ")
        let wide = PromptLayout.fitted("日本語の名前> ", width: 12)
        #expect(DisplayWidth.of(wide) <= 12 - 1 - 4)
    }
}
