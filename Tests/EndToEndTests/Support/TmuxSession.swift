import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
    func waitForScreen(timeout: Double = 30, where predicate: ([String]) -> Bool) async -> [String]? {
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
        try Self.spawn(["tmux", "-L", socket, "-f", "/dev/null"] + arguments, captureOutput: false).status
    }

    private func capture(_ arguments: [String]) throws -> String {
        try Self.spawn(["tmux", "-L", socket, "-f", "/dev/null"] + arguments, captureOutput: true).output
    }

    /// Runs a tmux command and waits at most 5 seconds for it (a stuck one is killed).
    ///
    /// Foundation's `Process` is not used: its child keeps a descriptor that Foundation watches to notice the exit,
    /// and the tmux server that `new-session` forks inherits it, so the command would seem to run until the tmux
    /// server ends. posix_spawn with every descriptor above stderr closed has no such leak.
    private static func spawn(_ arguments: [String], captureOutput: Bool) throws -> (status: Int32, output: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe(&pipeEnds) == 0 else {
                throw TmuxError(message: "pipe failed")
            }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        closeDescriptorsFrom3(&actions)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The test process blocks or ignores some signals (SIGCHLD, SIGPIPE); a tmux server inheriting that would
        // never notice its pane's program exit. Start with an empty mask and default actions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGCHLD, SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH] {
            sigaddset(&defaults, number)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        if captureOutput {
            close(pipeEnds[1])
        }
        guard spawned == 0 else {
            if captureOutput { close(pipeEnds[0]) }
            throw TmuxError(message: "cannot start tmux (error \(spawned))")
        }
        var output = ""
        if captureOutput {
            let reader = FileHandle(fileDescriptor: pipeEnds[0], closeOnDealloc: true)
            output = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                return ((status >> 8) & 0xFF, output)
            }
            if result < 0 {
                return (0, output)  // reaped elsewhere: it has ended
            }
            usleep(2_000)
        }
        Glibc.kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return (-1, output)
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), looked up at run time because Swift's Glibc
    /// module does not export it.
    private static func closeDescriptorsFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
    }

    private static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    struct TmuxError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
