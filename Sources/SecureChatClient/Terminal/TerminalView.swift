/// The interactive screen: a prompt line at the bottom with the line being typed, and everything else printed
/// above it. The only place in the client that writes cursor-control escape sequences.
///
/// Output goes through `write`, so tests can capture it. Every change redraws the whole prompt row: carriage
/// return, erase the row, prompt, the visible part of the input, then the cursor moved to its column.
final class TerminalView {
    private let write: (String) -> Void
    private let columns: () -> Int
    private var prompt = ""
    private var characters: [Character] = []
    private var cursor = 0
    private var isSecret = false

    /// A view that writes through `write` on a terminal `columns()` wide (asked again at every redraw).
    init(columns: @escaping () -> Int, write: @escaping (String) -> Void) {
        self.columns = columns
        self.write = write
    }

    /// Sets the prompt shown before the input (for example `Enter username: ` or `alice> `) and redraws.
    func setPrompt(_ prompt: String) {
        self.prompt = prompt
        redraw()
    }

    /// Shows the editor's line and cursor. A secret line (a password) is not shown at all.
    func show(_ editor: InputLineEditor) {
        characters = editor.characters
        cursor = editor.cursor
        isSecret = editor.isSecret
        redraw()
    }

    /// Prints `line` (already styled, no line ending) above the prompt row, then redraws the prompt and input.
    func printAbove(_ line: String) {
        write(Self.carriageReturn + Self.eraseLine + line + "\r\n")
        redraw()
    }

    /// Clears the screen and redraws the prompt row at the top (Ctrl-L).
    func clearScreen() {
        write(Self.home + Self.eraseScreen)
        redraw()
    }

    /// Leaves the prompt row empty, with the cursor at its start, so the shell's output starts on a clean line.
    func finish() {
        write(Self.carriageReturn + Self.eraseLine)
    }

    /// Redraws the prompt row from scratch.
    func redraw() {
        let layout = PromptLayout.make(
            prompt: prompt,
            characters: isSecret ? [] : characters,
            cursor: isSecret ? 0 : cursor,
            width: max(columns(), 2)
        )
        var output =
            Self.carriageReturn + Self.eraseLine + layout.visiblePrompt + layout.visibleText + Self.carriageReturn
        if layout.cursorColumn > 0 {
            output += "\u{1B}[\(layout.cursorColumn)C"
        }
        write(output)
    }

    private static let carriageReturn = "\r"
    private static let eraseLine = "\u{1B}[2K"
    private static let home = "\u{1B}[H"
    private static let eraseScreen = "\u{1B}[2J"
}
