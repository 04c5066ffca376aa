import ArgumentParser
import ChatCore
import Foundation
import SecureChatTLS
import Testing

@testable import SecureChatServer

/// The configuration file, the merge with the command line, and what a reload reports, without a server.
@Suite struct SettingsTests {
    private func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).toml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    @Test func everySettingIsAnOptionAndEveryOptionASetting() {
        let help = SecureChatServerCommand.helpMessage(columns: 400)
        let inHelp = Set(help.matches(of: /--([a-z][a-z-]*)/).map { String($0.output.1) })
        let names = Set(ServerOptions.settings.map(\.name))
        for name in names { #expect(inHelp.contains(name), "\(name) is not an option") }
        let notSettings: Set = ["help", "version", "config", "check-config", "no-cluster"]
        for option in inHelp.subtracting(notSettings) { #expect(names.contains(option), "--\(option) has no setting") }
    }

    @Test func theFileGivesEverySettingByItsOptionName() throws {
        let path = try file(
            """
            # a comment
            host = "0.0.0.0"
            port = 7000
            client-auth = "optional"
            ca = "ca.crt"
            rate-per-second = 2.5
            rate-burst = 20
            cluster = false
            log-format = "json"
            """
        )
        let options = try SettingsSource(arguments: [], file: path).load()
        #expect(options.host == "0.0.0.0")
        #expect(options.port == 7000)
        #expect(options.clientAuth == .optional)
        #expect(options.ratePerSecond == 2.5)
        #expect(options.rateBurst == 20)
        #expect(options.logFormat == .json)
    }

    @Test func theCommandLineWinsOverTheFile() throws {
        let path = try file("port = 7000\nhost = \"0.0.0.0\"\ncluster = true\ndatabase = \"postgres://x@h/db\"\n")
        let arguments = ["--config", path, "--port", "7001", "--no-cluster", "--check-config"]
        let source = SettingsSource(arguments: arguments, file: path)
        #expect(source.commandLine == ["--port", "7001", "--no-cluster"])
        let options = try source.load()
        #expect(options.port == 7001)
        #expect(options.host == "0.0.0.0")
        #expect(options.cluster == false)
    }

    @Test func aSettingOnlyTheFileCompletesIsNotRefusedOnTheCommandLineAlone() throws {
        let path = try file("ca = \"ca.crt\"\n")
        #expect(throws: Never.self) {
            try SecureChatServerCommand.parse(["--config", path, "--client-auth", "required"])
        }
        #expect(throws: (any Error).self) { try SecureChatServerCommand.parse(["--client-auth", "required"]) }
        let options = try SettingsSource(arguments: ["--client-auth", "required"], file: path).load()
        #expect(options.ca == "ca.crt")
    }

    @Test func everyProblemOfTheFileIsReportedOnALineThatNamesIt() throws {
        let path = try file(
            """
            max-conections = 5
            rate-burst = "many"
            cluster = 1
            port = [1, 2]
            """
        )
        let caught = #expect(throws: SettingsProblems.self) { try SettingsSource(arguments: [], file: path).load() }
        let problems = caught?.problems ?? []
        #expect(problems.count == 4)
        #expect(problems.allSatisfy { $0.hasPrefix("\(path): ") })
        #expect(problems.contains { $0.contains("unknown setting 'max-conections' (did you mean 'max-connections'?)") })
        #expect(problems.contains { $0.contains("rate-burst:") && $0.contains("'many'") })
        #expect(problems.contains { $0.contains("cluster: give true or false") })
        #expect(problems.contains { $0.contains("port: give one string or number") })
    }

    @Test func brokenTOMLIsReportedWithItsPlace() throws {
        let path = try file("port = 7000\nhost = \n")
        let caught = #expect(throws: SettingsProblems.self) { try SettingsSource(arguments: [], file: path).load() }
        #expect(caught?.problems.first?.hasPrefix("\(path) line 2, column") == true)
    }

    @Test func aMissingFileIsOneClearProblem() throws {
        let caught = #expect(throws: SettingsProblems.self) {
            try SettingsSource(arguments: [], file: "/nonexistent/securechat.toml").load()
        }
        #expect(caught?.problems == ["/nonexistent/securechat.toml: cannot read it (no such file)"])
    }

    @Test func combinedProblemsAreListedTogether() throws {
        let path = try file("port = 70000\nhistory-days = 0\ncrl = \"ca.crl\"\nmax-conections = 1\n")
        let caught = #expect(throws: SettingsProblems.self) { try SettingsSource(arguments: [], file: path).load() }
        #expect(caught?.problems.count == 4)
    }

    @Test func aReloadAppliesLiveSettingsAndNamesTheOthers() throws {
        let path = try file("port = 7000\nmax-connections = 100\nlog-level = \"info\"\n")
        let source = SettingsSource(arguments: ["--host", "127.0.0.2"], file: path)
        let reloader = SettingsReloader(source: source, started: try source.load())

        try "port = 7001\nmax-connections = 50\nlog-level = \"debug\"\n".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        let first = try reloader.reload()
        reloader.accept(first)
        #expect(first.applied == ["log-level", "max-connections"])
        #expect(first.needRestart == ["port"])
        #expect(first.configuration.admission.total == 50)
        #expect(first.configuration.host == "127.0.0.2")

        // Nothing new: nothing applied, and the port still waits for the restart.
        let second = try reloader.reload()
        #expect(second.applied.isEmpty)
        #expect(second.needRestart == ["port"])

        // A reload the server could not apply (its certificates did not load, say) is not taken as in force.
        try "port = 7001\nmax-connections = 10\nlog-level = \"debug\"\n".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        #expect(try reloader.reload().applied == ["max-connections"])
        #expect(try reloader.reload().applied == ["max-connections"])

        try "port = \n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SettingsProblems.self) { try reloader.reload() }
    }

    @Test func editDistanceSuggestsOnlyCloseNames() {
        #expect(ConfigurationFile.distance("max-conections", "max-connections") == 1)
        #expect(ConfigurationFile.distance("", "abc") == 3)
        #expect(ConfigurationFile.distance("abc", "") == 3)
        #expect(ConfigurationFile.distance("kitten", "sitting") == 3)
    }

    /// Found by an adversarial review: 1e300 seconds crashed the server when turned into a time.
    @Test func valuesThatCannotBecomeATimeOrACountAreRefused() throws {
        let path = try file(
            "handshake-timeout = 1e300\nlogin-timeout = inf\nthreads = 100000\nhost = \"\"\nmax-line-length = 9223372036854775807\n"
        )
        let caught = #expect(throws: SettingsProblems.self) { try SettingsSource(arguments: [], file: path).load() }
        let problems = caught?.problems ?? []
        for name in ["handshake-timeout", "login-timeout", "threads", "host", "max-line-length"] {
            #expect(problems.contains { $0.hasPrefix("\(name): ") }, "\(name) not refused: \(problems)")
        }
    }
}
