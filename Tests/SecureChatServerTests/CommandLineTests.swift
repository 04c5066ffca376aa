import ArgumentParser
import SecureChatTLS
import Testing

@testable import SecureChatServer

@Suite struct CommandLineTests {
    @Test func defaultsWorkAfterMakeCerts() throws {
        let command = try SecureChatServerCommand.parse([])
        let configuration = command.options.makeConfiguration()
        #expect(configuration.port == 7443)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.database == "data/securechat.sqlite")
        #expect(command.options.cert == "certs/server.crt")
        #expect(command.options.key == "certs/server.key")
        #expect(command.options.clientAuth == .off)
    }

    @Test func optionsMapOntoTheConfiguration() throws {
        let command = try SecureChatServerCommand.parse([
            "--host", "::1", "--port", "0", "--database", "/tmp/x.sqlite", "--history-days", "7",
            "--client-auth", "required", "--ca", "ca.crt", "--crl", "ca.crl",
        ])
        let configuration = command.options.makeConfiguration()
        #expect(configuration.host == "::1")
        #expect(configuration.port == 0)
        #expect(configuration.database == "/tmp/x.sqlite")
        #expect(configuration.historyDays == 7)
    }

    @Test(arguments: [
        ["--client-auth", "required"],
        ["--client-auth", "optional"],
        ["--crl", "ca.crl"],
        ["--port", "70000"],
        ["--history-days", "0"],
    ])
    func invalidCombinationsAreRefused(arguments: [String]) {
        #expect(throws: (any Error).self) { try SecureChatServerCommand.parse(arguments) }
    }

    @Test func anUnknownClientAuthModeIsRefused() {
        let caught = CatchError { _ = try SecureChatServerCommand.parse(["--client-auth", "sometimes"]) }.error
        #expect(caught != nil)
        if let caught {
            #expect(SecureChatServerCommand.fullMessage(for: caught).contains("sometimes"))
        }
    }

    @Test func helpListsEveryOptionWithItsDefault() {
        let help = SecureChatServerCommand.helpMessage(columns: 200)
        for option in [
            "--host", "--port", "--cert", "--key", "--ca", "--crl", "--client-auth", "--database",
            "--history-days", "--log-level", "--version",
        ] {
            #expect(help.contains(option), "help lacks \(option)")
        }
        #expect(help.contains("(default: 7443)"))
        #expect(help.contains("default: off)"))
        #expect(!help.contains("-h, --host"))
    }
}

private struct CatchError {
    let error: (any Error)?
    init(_ body: () throws -> Void) {
        do {
            try body()
            error = nil
        } catch {
            self.error = error
        }
    }
}
