import Testing

@testable import SecureChatClient

@Suite struct TerminalViewTests {
    final class Recorder {
        var output = ""
    }

    @Test func printingAboveRedrawsThePromptAndTheHalfTypedLine() {
        let recorder = Recorder()
        let view = TerminalView(columns: { 80 }, write: { recorder.output += $0 })
        view.setPrompt("bob> ")
        var editor = InputLineEditor()
        for character in "hel" { _ = editor.handle(.insert(String(character))) }
        view.show(editor)
        recorder.output = ""
        view.printAbove("alice: hi")
        #expect(recorder.output == "\r\u{1B}[2Kalice: hi\r\n" + "\r\u{1B}[2Kbob> hel\r\u{1B}[8C")
    }

    @Test func aSecretLineIsNotShown() {
        let recorder = Recorder()
        let view = TerminalView(columns: { 80 }, write: { recorder.output += $0 })
        view.setPrompt("Password: ")
        var editor = InputLineEditor()
        editor.isSecret = true
        _ = editor.handle(.insert("s"))
        recorder.output = ""
        view.show(editor)
        #expect(recorder.output == "\r\u{1B}[2KPassword: \r\u{1B}[10C")
    }
}
