import Foundation
import Logging
import Testing

@testable import SecureChatServer

/// The control socket's commands, the JSON log line, the log level switch and the systemd datagram, without a server.
@Suite struct OperationsTests {
    @Test(arguments: [
        ("status", ControlCommand.status), ("WHO", .who), ("reload", .reload), ("help", .help),
        ("kick alice", .kick(name: "alice", reason: nil)),
        ("kick  alice   spamming the room ", .kick(name: "alice", reason: "spamming the room")),
    ])
    func controlCommandsParse(line: String, command: ControlCommand) throws {
        #expect(try ControlCommand.parse(Substring(line)).get() == command)
    }

    @Test(arguments: ["", "frob", "status now", "kick", "reload please"])
    func badControlCommandsAreRefusedWithAReason(line: String) {
        guard case .failure(let answer) = ControlCommand.parse(Substring(line)) else {
            Issue.record("\(line) was accepted")
            return
        }
        #expect(answer.failure?.isEmpty == false)
        #expect(answer.wire.hasPrefix("ERROR "))
    }

    @Test func anAnswerEndsWithOKOrERROR() {
        #expect(ControlAnswer.ok(["a 1", "b 2"]).wire == "a 1\nb 2\nOK\n")
        #expect(ControlAnswer.error("no such user").wire == "ERROR no such user\n")
    }

    @Test func aJSONLogLineIsValidJSONWhateverTheTextHolds() throws {
        let hostile = "quote \" backslash \\ newline \n escape \u{1B}[31m nul \u{0} line-sep \u{2028} é 😀"
        let line = JSONLogLine.encode(
            time: Date(timeIntervalSince1970: 0),
            level: .notice,
            label: "securechat",
            message: hostile,
            metadata: ["user": .string(hostile), "conn": "#1", "message": "shadowed"]
        )
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        #expect(!line.contains("\u{1B}"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["message"] == hostile)
        #expect(object?["user"] == hostile)
        #expect(object?["conn"] == "#1")
        #expect(object?["level"] == "notice")
        #expect(object?["time"] == "1970-01-01T00:00:00.000Z")
    }

    @Test func theLevelSwitchChangesEveryLoggerAndAFloorHolds() {
        let levels = LogLevelSwitch(.info)
        var handler = ServerLogHandler(label: "t", format: .json, levels: levels)
        let copy = handler
        #expect(handler.logLevel == .info)
        levels.level = .debug
        #expect(handler.logLevel == .debug)
        #expect(copy.logLevel == .debug)
        handler.logLevel = .warning
        #expect(handler.logLevel == .warning)
        #expect(copy.logLevel == .debug)
        levels.level = .error
        #expect(handler.logLevel == .error)
    }

    /// What the server sends, and when, is tested end to end (`OperatorTests`) with a datagram socket as systemd's.
    @Test func withoutNotifySocketNothingIsSent() {
        #expect(SystemdNotifier(environment: [:]).send("READY=1") == false)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).send("READY=1") == false)
    }

    @Test func durationsReadAsPeopleSayThem() {
        #expect(ServerOperations.duration(59) == "0m 59s")
        #expect(ServerOperations.duration(3725) == "1h 2m 5s")
        #expect(ServerOperations.duration(2 * 86_400 + 3 * 3600 + 60) == "2d 3h 1m")
    }

    @Test func theTextLogWritesControlCharactersAsEscapes() {
        #expect(ServerLogHandler.escaped("plain text") == "plain text")
        #expect(
            ServerLogHandler.escaped("a\nforged line\u{1B}[31m\u{7F}\u{2028}")
                == "a\\u{a}forged line\\u{1b}[31m\\u{7f}\\u{2028}"
        )
    }
}
