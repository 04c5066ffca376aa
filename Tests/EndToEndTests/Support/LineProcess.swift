import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process whose stdout and stderr are collected as lines, with waits that time out instead of hanging.
final class LineProcess: @unchecked Sendable {
    // `lock` protects `stdoutLines`, `stderrLines`, the partial-line buffers and `readingStopped`.
    private let lock = NSLock()
    private var stdoutLines: [String] = []
    private var stderrLines: [String] = []
    private var partial: [Int: Data] = [1: Data(), 2: Data()]
    private var consumed = 0
    private var readingStopped = false
    let process = Process()
    private let input: Pipe?
    private let output: Pipe?
    private let errors: Pipe?
    let name: String

    /// Writing to a child that has exited must fail with EPIPE, not kill the test process.
    private static let ignoreSIGPIPE: Void = {
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
    }()

    /// A child with pipes for the streams asked for; the others are /dev/null. A test run keeps hundreds of children
    /// at once, each pipe costs this process a descriptor, and past ~1350 descriptors `Process.run()` crashes (see
    /// `startReading`): ask only for what the test reads or writes.
    init(
        name: String,
        executable: String,
        arguments: [String],
        environment: [String: String]? = nil,
        input wantsInput: Bool = true,
        output wantsOutput: Bool = true,
        errors wantsErrors: Bool = true
    ) throws {
        Self.ignoreSIGPIPE
        self.name = name
        input = wantsInput ? Pipe() : nil
        output = wantsOutput ? Pipe() : nil
        errors = wantsErrors ? Pipe() : nil
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = input ?? FileHandle.nullDevice
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = errors ?? FileHandle.nullDevice
        try process.run()
        if let output { startReading(output.fileHandleForReading, stream: 1) }
        if let errors { startReading(errors.fileHandleForReading, stream: 2) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? input?.fileHandleForWriting.close()
    }

    /// Reads `handle` on a thread of its own until the process closes it, then closes it. Not a `readabilityHandler`:
    /// a pipe watched by one is not closed when its `Pipe` goes (and closing it by hand races the watching dispatch
    /// source), so a test run kept every pipe of every process it started; past ~1350 open descriptors a Foundation
    /// bug in `Process.run()` on Linux (an over-read while it lists /proc/self/fd, swift-corelibs-foundation#5472)
    /// crashes the test process.
    private func startReading(_ handle: FileHandle, stream: Int) {
        let thread = Thread { [weak self] in
            while true {
                if stream == 1, self?.isReadingStopped ?? false { return }
                let data = handle.availableData
                guard !data.isEmpty, let self else { break }
                self.append(data, stream: stream)
            }
            try? handle.close()
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    private var isReadingStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return readingStopped
    }

    private func append(_ data: Data, stream: Int) {
        lock.lock()
        defer { lock.unlock() }
        var buffer = partial[stream, default: Data()]
        buffer.append(data)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex...newline)
            if stream == 1 { stdoutLines.append(line) } else { stderrLines.append(line) }
        }
        partial[stream] = buffer
    }

    /// Writes `line` and a newline to the process's stdin.
    func send(_ line: String) {
        sendRaw(Data((line + "\n").utf8))
    }

    /// Writes raw bytes to the process's stdin.
    func sendRaw(_ data: Data) {
        try? input?.fileHandleForWriting.write(contentsOf: data)
    }

    /// Stops draining the process's stdout, so that once the pipe fills the process blocks (a reader that stalls).
    /// (What the reader has already taken is still appended.)
    func stopReading() {
        lock.lock()
        readingStopped = true
        lock.unlock()
    }

    /// Closes the process's stdin.
    func closeInput() {
        try? input?.fileHandleForWriting.close()
    }

    /// All stdout lines so far.
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stdoutLines
    }

    /// All stderr lines so far.
    var errorLines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stderrLines
    }

    /// Waits for the next stdout line (after those already consumed) that matches; returns it, or nil on timeout.
    /// Lines before the match are consumed too.
    @discardableResult
    func next(
        timeout: Double = 10,
        where predicate: (String) -> Bool
    ) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = takeMatch(predicate) { return found }
            if !process.isRunning {
                // The process ended: give the pipes a moment to drain, then stop waiting.
                try? await Task.sleep(for: .milliseconds(100))
                return takeMatch(predicate)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // A test waiting among many may be woken only after its deadline: what arrived meanwhile still counts.
        return takeMatch(predicate)
    }

    /// Waits for the next stdout line starting with `prefix`.
    @discardableResult
    func next(_ prefix: String, timeout: Double = 10) async -> String? {
        await next(timeout: timeout) { $0.hasPrefix(prefix) }
    }

    /// Reads every stdout line up to and including the next one starting with one of `finals` (a command's answer).
    @discardableResult
    func answer(finals: [String] = ["OK", "ERROR"], timeout: Double = 10) async -> [String] {
        var collected: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = takeNext() {
                collected.append(line)
                if finals.contains(where: { line.hasPrefix($0 + " ") || line == $0 }) { return collected }
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        while let line = takeNext() {
            collected.append(line)
            if finals.contains(where: { line.hasPrefix($0 + " ") || line == $0 }) { break }
        }
        return collected
    }

    /// Waits for the next stdout line, whatever it is.
    func nextLine(timeout: Double = 10) async -> String? {
        await next(timeout: timeout) { _ in true }
    }

    /// Waits for a stderr line that matches, scanning all stderr lines so far.
    func errorLine(timeout: Double = 10, where predicate: (String) -> Bool) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = errorLines.first(where: predicate) { return found }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return errorLines.first(where: predicate)
    }

    /// Stdout lines not consumed yet.
    var unread: [String] {
        lock.lock()
        defer { lock.unlock() }
        return Array(stdoutLines[consumed...])
    }

    /// Waits for the process to exit; returns its status, or nil on timeout.
    @discardableResult
    func waitForExit(timeout: Double = 10) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Sends a signal to the process.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    private func takeMatch(_ predicate: (String) -> Bool) -> String? {
        lock.lock()
        defer { lock.unlock() }
        while consumed < stdoutLines.count {
            let line = stdoutLines[consumed]
            consumed += 1
            if predicate(line) { return line }
        }
        return nil
    }

    private func takeNext() -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard consumed < stdoutLines.count else { return nil }
        consumed += 1
        return stdoutLines[consumed - 1]
    }
}
