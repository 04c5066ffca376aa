#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The console when stdin is not a terminal: lines from stdin, server lines to stdout, the client's own status
/// lines to stderr, so stdout holds only what the server said.
final class ScriptedConsole: ClientConsole {
    private let renderer: ServerLineRenderer

    init(renderer: ServerLineRenderer) {
        self.renderer = renderer
    }

    func start(yield: @escaping @Sendable (ClientEvent) -> Void) throws {
        StandardInputReader.startLines(yield: yield)
    }

    func show(_ text: String) {
        StandardStreams.write(text + "\n")
    }

    func echo(_ line: String) {}

    func status(_ text: String) {
        StandardStreams.writeError(text)
    }

    func setPrompt(_ prompt: ClientSessionStateMachine.Prompt) {}

    func handle(_ keys: [Key]) -> [ConsoleInput] {
        []
    }

    func resized() {}

    func stop() {}
}
