import Testing

@testable import SecureChatClient

@Suite struct InputLineEditorTests {
    /// An editor after typing `text` key by key.
    private func typed(_ text: String) -> InputLineEditor {
        var editor = InputLineEditor()
        for scalar in text.unicodeScalars {
            _ = editor.handle(.insert(String(scalar)))
        }
        return editor
    }

    @Test func aHalfTypedSecretIsClearedWhenInputIsShownAgain() {
        var editor = InputLineEditor()
        editor.isSecret = true
        for scalar in "hunt".unicodeScalars {
            _ = editor.handle(.insert(String(scalar)))
        }
        editor.isSecret = false
        #expect(editor.text == "")
        #expect(editor.cursor == 0)
        var plain = typed("draft")
        plain.isSecret = false
        #expect(plain.text == "draft")
    }

    @Test func typingAppendsAndMovesTheCursor() {
        var editor = InputLineEditor()
        #expect(editor.handle(.insert("h")) == .edited)
        #expect(editor.handle(.insert("i")) == .edited)
        #expect(editor.text == "hi")
        #expect(editor.cursor == 2)
    }

    @Test func leftRightInsertInTheMiddle() {
        var editor = typed("hllo")
        #expect(editor.handle(.left) == .edited)
        #expect(editor.handle(.left) == .edited)
        #expect(editor.handle(.left) == .edited)
        #expect(editor.handle(.insert("e")) == .edited)
        #expect(editor.text == "hello")
        #expect(editor.cursor == 2)
        #expect(editor.handle(.right) == .edited)
        #expect(editor.cursor == 3)
    }

    @Test func cursorStopsAtBothEnds() {
        var editor = typed("ab")
        #expect(editor.handle(.right) == .unchanged)
        #expect(editor.handle(.home) == .edited)
        #expect(editor.handle(.left) == .unchanged)
        #expect(editor.handle(.backspace) == .unchanged)
        #expect(editor.cursor == 0)
    }

    @Test func homeEndAndControlAE() {
        var editor = typed("hello")
        #expect(editor.handle(.control("a")) == .edited)
        #expect(editor.cursor == 0)
        #expect(editor.handle(.control("e")) == .edited)
        #expect(editor.cursor == 5)
        #expect(editor.handle(.home) == .edited)
        #expect(editor.cursor == 0)
        #expect(editor.handle(.end) == .edited)
        #expect(editor.cursor == 5)
    }

    @Test func backspaceAndDelete() {
        var editor = typed("abcd")
        #expect(editor.handle(.backspace) == .edited)
        #expect(editor.text == "abc")
        _ = editor.handle(.home)
        #expect(editor.handle(.delete) == .edited)
        #expect(editor.text == "bc")
        #expect(editor.cursor == 0)
        _ = editor.handle(.end)
        #expect(editor.handle(.delete) == .unchanged)
    }

    @Test func controlUDeletesToTheStartAndControlKToTheEnd() {
        var editor = typed("hello world")
        for _ in 0..<5 { _ = editor.handle(.left) }
        #expect(editor.handle(.control("u")) == .edited)
        #expect(editor.text == "world")
        #expect(editor.cursor == 0)
        _ = editor.handle(.right)
        #expect(editor.handle(.control("k")) == .edited)
        #expect(editor.text == "w")
    }

    @Test func controlWDeletesTheWordBeforeTheCursor() {
        var editor = typed("send bob  hello")
        #expect(editor.handle(.control("w")) == .edited)
        #expect(editor.text == "send bob  ")
        #expect(editor.handle(.control("w")) == .edited)
        #expect(editor.text == "send ")
        #expect(editor.cursor == 5)
        #expect(editor.handle(.control("w")) == .edited)
        #expect(editor.text == "")
        #expect(editor.handle(.control("w")) == .unchanged)
    }

    @Test func controlWInTheMiddleKeepsTheRest() {
        var editor = typed("one two three")
        for _ in 0..<5 { _ = editor.handle(.left) }  // cursor after "one two "
        #expect(editor.handle(.control("w")) == .edited)
        #expect(editor.text == "one three")
        #expect(editor.cursor == 4)
    }

    @Test func wordMovement() {
        var editor = typed("one two three")
        #expect(editor.handle(.wordLeft) == .edited)
        #expect(editor.cursor == 8)
        #expect(editor.handle(.wordLeft) == .edited)
        #expect(editor.cursor == 4)
        #expect(editor.handle(.wordRight) == .edited)
        #expect(editor.cursor == 7)
    }

    @Test func wideCharactersMoveOneGraphemeAtATime() {
        var editor = typed("日本😀a")
        #expect(editor.characters.count == 4)
        #expect(editor.handle(.left) == .edited)
        #expect(editor.handle(.left) == .edited)
        #expect(editor.cursor == 2)
        #expect(editor.handle(.backspace) == .edited)
        #expect(editor.text == "日😀a")
        #expect(editor.cursor == 1)
        #expect(editor.handle(.insert("語")) == .edited)
        #expect(editor.text == "日語😀a")
        #expect(editor.cursor == 2)
    }

    @Test func aCombiningMarkJoinsTheCharacterBeforeIt() {
        var editor = typed("e")
        #expect(editor.handle(.insert("\u{0301}")) == .edited)
        #expect(editor.characters.count == 1)
        #expect(editor.cursor == 1)
        #expect(editor.handle(.backspace) == .edited)
        #expect(editor.text == "")
    }

    @Test func anEmojiWithAModifierTypedScalarByScalarIsOneCharacter() {
        let editor = typed("👍🏽x")
        #expect(editor.characters.count == 2)
        #expect(editor.cursor == 2)
    }

    @Test func enterSubmitsAndClears() {
        var editor = typed("hello")
        _ = editor.handle(.home)
        #expect(editor.handle(.enter) == .submit("hello"))
        #expect(editor.text == "")
        #expect(editor.cursor == 0)
        #expect(editor.history == ["hello"])
    }

    @Test func historyUpAndDownKeepTheDraft() {
        var editor = InputLineEditor()
        for line in ["first", "second"] {
            for scalar in line.unicodeScalars { _ = editor.handle(.insert(String(scalar))) }
            _ = editor.handle(.enter)
        }
        _ = editor.handle(.insert("d"))
        #expect(editor.handle(.up) == .edited)
        #expect(editor.text == "second")
        #expect(editor.cursor == 6)
        #expect(editor.handle(.up) == .edited)
        #expect(editor.text == "first")
        #expect(editor.handle(.up) == .unchanged)
        #expect(editor.handle(.down) == .edited)
        #expect(editor.text == "second")
        #expect(editor.handle(.down) == .edited)
        #expect(editor.text == "d")
        #expect(editor.handle(.down) == .unchanged)
    }

    @Test func historySkipsBlankLinesAndRepeats() {
        var editor = InputLineEditor()
        for line in ["a", "a", " ", ""] {
            for scalar in line.unicodeScalars { _ = editor.handle(.insert(String(scalar))) }
            _ = editor.handle(.enter)
        }
        #expect(editor.history == ["a"])
    }

    @Test func historyIsBounded() {
        var editor = InputLineEditor(historyLimit: 2)
        for line in ["a", "b", "c"] {
            _ = editor.handle(.insert(line))
            _ = editor.handle(.enter)
        }
        #expect(editor.history == ["b", "c"])
    }

    @Test func secretLinesStayOutOfTheHistory() {
        var editor = InputLineEditor()
        editor.isSecret = true
        _ = editor.handle(.insert("p"))
        #expect(editor.handle(.enter) == .submit("p"))
        #expect(editor.history.isEmpty)
        #expect(editor.handle(.up) == .unchanged)
    }

    /// `/register <password>` is never kept for ↑ to bring back, typed in any case or after spaces.
    @Test func aRegisterLineStaysOutOfTheHistory() {
        var editor = InputLineEditor()
        for line in ["hello", "/register hunter22", "  /Register other-pass", "bye"] {
            _ = editor.handle(.insert(line))
            _ = editor.handle(.enter)
        }
        #expect(editor.history == ["hello", "bye"])
    }

    @Test func controlDEndsInputOnlyOnAnEmptyLine() {
        var editor = typed("ab")
        _ = editor.handle(.home)
        #expect(editor.handle(.control("d")) == .edited)
        #expect(editor.text == "b")
        _ = editor.handle(.control("k"))
        #expect(editor.handle(.control("d")) == .endOfInput)
    }

    @Test func controlCInterruptsAndControlLRedraws() {
        var editor = typed("x")
        #expect(editor.handle(.control("c")) == .interrupt)
        #expect(editor.handle(.control("l")) == .redrawScreen)
        #expect(editor.handle(.escape) == .unchanged)
        #expect(editor.handle(.unknown) == .unchanged)
        #expect(editor.text == "x")
    }
}
