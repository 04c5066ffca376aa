import ArgumentParser
import Foundation

/// `securechat-ctl`: the operator's client of a running server's control socket (`--control-socket`).
@main
struct SecureChatControlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securechat-ctl",
        abstract: "Asks a running securechat-server through its control socket (docs/OPERATIONS.md).",
        discussion: """
            Commands: status, who, kick NAME [REASON], reload, help. Prints the answer on standard output and exits \
            0, or prints the server's error on standard error and exits 1.
            """
    )

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The server's --control-socket.", valueName: "path")
    )
    var socket: String = ProcessInfo.processInfo.environment["SECURECHAT_CONTROL_SOCKET"] ?? "data/control.sock"

    @Option(help: ArgumentHelp("Seconds to wait for the answer.", valueName: "seconds"))
    var timeout: Int = 30

    @Argument(parsing: .remaining, help: "The command and its arguments.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("Please give a command: status, who, kick, reload or help.")
        }
        guard timeout >= 1 else { throw ValidationError("Please give --timeout of at least 1.") }
    }

    func run() throws {
        let connection: ControlConnection
        do {
            connection = try ControlConnection(path: socket, timeout: timeout)
        } catch {
            Self.fail("cannot reach the server at \(socket): \(error)")
        }
        let answer: [String]
        do {
            answer = try connection.ask(command.joined(separator: " "))
        } catch {
            Self.fail("\(error)")
        }
        for line in answer.dropLast() { print(line) }
        guard let last = answer.last, last == "OK" || last.hasPrefix("ERROR ") else {
            Self.fail("the server closed the connection before answering in full")
        }
        if last != "OK" { Self.fail(String(last.dropFirst("ERROR ".count))) }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("securechat-ctl: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
