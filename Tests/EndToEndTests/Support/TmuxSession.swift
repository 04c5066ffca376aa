import Foundation

/// A command running in a detached tmux session on a private server socket (`tmux -L`), so a test can drive a
/// real pseudo-terminal: type keys, read the screen, and always tear the whole tmux server down with ``kill()``.
final class TmuxSession: @unchecked Sendable {
    // Immutable after init; tmux itself serialises the commands sent to its server.
    let socket: String

    /// Starts `arguments` (the program first) in a `width`×`height` terminal.
    init(_ arguments: [String], width: Int = 120, height: Int = 30, environment: [String: String] = [:]) throws {
        socket = "securechat-test-\(UUID().uuidString.prefix(8))"
        let assignments = environment.map { "\($0.key)=\(Self.quote($0.value))" }
        let command = (["exec", "env"] + assignments + arguments.map(Self.quote)).joined(separator: " ")
        let status = try run(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", command])
        guard status == 0 else {
            throw TmuxError(message: "tmux new-session failed with status \(status)")
        }
        _ = try? run(["set-option", "-g", "remain-on-exit", "on"])
    }

    deinit {
        kill()
    }

    /// Types `text` literally (no key names).
    func type(_ text: String) {
        _ = try? run(["send-keys", "-l", text])
    }

    /// Presses keys by tmux name (`Enter`, `C-d`, `Left`).
    func press(_ keys: String...) {
        _ = try? run(["send-keys"] + keys)
    }

    /// The visible screen, one string per row, trailing blanks trimmed.
    func screen() -> [String] {
        let output = (try? capture(["capture-pane", "-p"])) ?? ""
        return output.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop { $0 == " " }.reversed())
        }
    }

    /// The rows up to the last non-empty one.
    func nonEmptyScreen() -> [String] {
        let rows = screen()
        guard let last = rows.lastIndex(where: { !$0.isEmpty }) else {
            return []
        }
        return Array(rows[...last])
    }

    /// The cursor's column (0-based) in the pane.
    func cursorColumn() -> Int? {
        (try? capture(["display-message", "-p", "#{cursor_x}"])).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Waits until `predicate` holds for the screen (non-empty rows); returns that screen, or nil on timeout.
    func waitForScreen(timeout: Double = 10, where predicate: ([String]) -> Bool) async -> [String]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let rows = nonEmptyScreen()
            if predicate(rows) {
                return rows
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Kills the tmux server and everything in it. Safe to call more than once.
    func kill() {
        _ = try? run(["kill-server"])
    }

    @discardableResult
    private func run(_ arguments: [String]) throws -> Int32 {
        let process = try launch(arguments, output: FileHandle.nullDevice)
        return wait(process)
    }

    private func capture(_ arguments: [String]) throws -> String {
        let pipe = Pipe()
        let process = try launch(arguments, output: pipe)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        wait(process)
        return String(decoding: data, as: UTF8.self)
    }

    private func launch(_ arguments: [String], output: Any) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "-L", socket, "-f", "/dev/null"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits at most 5 seconds for a tmux command; a stuck one is killed.
    @discardableResult
    private func wait(_ process: Process) -> Int32 {
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline {
            usleep(5_000)
        }
        if process.isRunning {
            process.terminate()
            return -1
        }
        return process.terminationStatus
    }

    private static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    struct TmuxError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
