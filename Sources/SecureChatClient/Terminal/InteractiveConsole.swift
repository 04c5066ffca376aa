import ChatCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interactive console: raw terminal, line editor and ``TerminalView``. Incoming lines are printed above the
/// prompt and the line being typed is redrawn after them.
final class InteractiveConsole: ClientConsole {
    private let renderer: ServerLineRenderer
    private var terminal: RawTerminal?
    private var editor = InputLineEditor()
    private var prompt = ClientSessionStateMachine.Prompt.waiting
    private let view = TerminalView(
        columns: { RawTerminal.columns() },
        write: { StandardStreams.write($0) }
    )

    init(renderer: ServerLineRenderer) {
        self.renderer = renderer
    }

    func start(yield: @escaping @Sendable (ClientEvent) -> Void) throws {
        terminal = try RawTerminal(fileDescriptor: STDIN_FILENO)
        view.setPrompt(Self.promptText(prompt))
        StandardInputReader.startKeys(yield: yield)
    }

    func show(_ text: String) {
        view.printAbove(text)
    }

    func echo(_ line: String) {
        let shown = editor.isSecret ? "" : TextSanitizer.sanitize(line)
        view.printAbove(Self.promptText(prompt) + shown)
    }

    func status(_ text: String) {
        view.printAbove(renderer.status(text))
    }

    func setPrompt(_ prompt: ClientSessionStateMachine.Prompt) {
        self.prompt = prompt
        let isSecret: Bool
        switch prompt {
        case .password: isSecret = true
        case .waiting, .username, .chatting: isSecret = false
        }
        if editor.isSecret != isSecret {
            editor.isSecret = isSecret
            view.show(editor)
        }
        view.setPrompt(Self.promptText(prompt))
    }

    func handle(_ keys: [Key]) -> [ConsoleInput] {
        var inputs: [ConsoleInput] = []
        var changed = false
        for key in keys {
            switch editor.handle(key) {
            case .edited:
                changed = true
            case .unchanged:
                break
            case .submit(let line):
                // Clear the prompt row; the session echoes the line unless it refuses it unseen (too long).
                view.show(editor)
                changed = false
                inputs.append(.line(line))
            case .endOfInput:
                inputs.append(.endOfInput)
            case .interrupt:
                inputs.append(.interrupt)
            case .redrawScreen:
                view.clearScreen()
            }
        }
        if changed {
            view.show(editor)
        }
        return inputs
    }

    func resized() {
        view.redraw()
    }

    func stop() {
        view.finish()
        terminal?.restore()
        terminal = nil
    }

    private static func promptText(_ prompt: ClientSessionStateMachine.Prompt) -> String {
        switch prompt {
        case .waiting: ""
        case .username(let text), .password(let text): TextSanitizer.sanitize(text) + " "
        case .chatting(let name): TextSanitizer.sanitize(name) + "> "
        }
    }
}
