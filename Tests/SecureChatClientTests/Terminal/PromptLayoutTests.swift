import Testing

@testable import SecureChatClient

@Suite struct PromptLayoutTests {
    @Test func shortInputIsShownWhole() {
        let layout = PromptLayout.make(prompt: "bob> ", characters: Array("hello"), cursor: 5, width: 80)
        #expect(layout == PromptLayout(visibleText: "hello", cursorColumn: 10))
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
}
