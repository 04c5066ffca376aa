import Foundation

/// A running `openssl s_client`, with its standard input kept open (a pipe) and its output collected.
final class SClientProcess: Sendable {
    private let process: Process
    private let input: Pipe
    private let output = LockedBox("")

    /// Starts `openssl s_client -connect 127.0.0.1:port -quiet -no_ign_eof` plus `arguments`.
    init(port: Int, arguments: [String]) throws {
        process = Process()
        process.executableURL = OpenSSLCommand.executable
        process.arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-quiet", "-no_ign_eof"] + arguments
        input = Pipe()
        let outputPipe = Pipe()
        process.standardInput = input
        process.standardOutput = outputPipe
        process.standardError = outputPipe
        let output = self.output
        outputPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                output.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        try process.run()
    }

    /// Everything s_client printed so far (standard output and error).
    var printed: String { output.current }

    /// Waits until s_client has printed `text`.
    func waitFor(_ text: String, within timeout: Duration = .seconds(5)) async -> Bool {
        await eventually(within: timeout) { printed.contains(text) }
    }

    /// Writes a line to s_client's standard input; ignored if s_client has already gone (EPIPE).
    func send(_ line: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Closes s_client's standard input and waits for it to exit; kills it if it does not.
    func finish(within timeout: Duration = .seconds(5)) async -> Int32? {
        try? input.fileHandleForWriting.close()
        let exited = await eventually(within: timeout) { !process.isRunning }
        if !exited {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }
}
