import ArgumentParser
import Testing

@testable import SecureChatClient

@Suite struct SecureChatClientCommandTests {
    @Test func defaults() throws {
        let command = try SecureChatClientCommand.parse(["chat.example.org"])
        let configuration = command.makeConfiguration(environment: ["HOME": "/home/u"])
        #expect(
            configuration
                == ClientConfiguration(
                    host: "chat.example.org",
                    port: 7443,
                    trust: .systemThenKnownHosts(knownHostsPath: "/home/u/.config/securechat/known_hosts"),
                    clientCertificate: nil,
                    name: nil,
                    reconnect: false,
                    sealing: .init(caPath: nil, crlPath: nil, knownUsersPath: "/home/u/.config/securechat/known_users")
                )
        )
    }

    @Test func everyOption() throws {
        let command = try SecureChatClientCommand.parse([
            "127.0.0.1", "--port", "9000", "--ca", "ca.crt", "--cert", "a.crt", "--key", "a.key",
            "--name", "alice", "--reconnect",
        ])
        let configuration = command.makeConfiguration(environment: [:])
        #expect(configuration.port == 9000)
        #expect(configuration.trust == .certificateAuthority(path: "ca.crt"))
        #expect(configuration.clientCertificate == .init(chainPath: "a.crt", keyPath: "a.key"))
        #expect(configuration.name == "alice")
        #expect(configuration.reconnect)
        #expect(configuration.sealing.caPath == "ca.crt", "sealed messages are checked against --ca by default")
    }

    @Test func sealingOptions() throws {
        let command = try SecureChatClientCommand.parse([
            "h", "--ca", "server-ca.crt", "--user-ca", "users.crt", "--crl", "users.crl", "--known-users", "/tmp/ku",
        ])
        #expect(
            command.makeConfiguration().sealing
                == .init(caPath: "users.crt", crlPath: "users.crl", knownUsersPath: "/tmp/ku")
        )
    }

    @Test func knownHostsAndInsecure() throws {
        let custom = try SecureChatClientCommand.parse(["h", "--known-hosts", "/tmp/kh"])
        #expect(custom.makeConfiguration().trust == .systemThenKnownHosts(knownHostsPath: "/tmp/kh"))
        let insecure = try SecureChatClientCommand.parse(["h", "--insecure"])
        #expect(insecure.makeConfiguration().trust == .insecure)
    }

    @Test(arguments: [
        ["h", "--cert", "a.crt"],
        ["h", "--key", "a.key"],
        ["h", "--ca", "ca.crt", "--insecure"],
        ["h", "--port", "0"],
        ["h", "--port", "70000"],
        ["h", "--name", "two words"],
        [],
    ])
    func invalidCombinationsAreRefused(arguments: [String]) {
        #expect(throws: (any Error).self) {
            _ = try SecureChatClientCommand.parse(arguments)
        }
    }

    @Test func certWithoutKeyExplainsItself() {
        do {
            _ = try SecureChatClientCommand.parse(["h", "--cert", "a.crt"])
            Issue.record("expected a validation error")
        } catch {
            #expect(SecureChatClientCommand.message(for: error).contains("--key"))
        }
    }

    @Test func minusHIsHelpNotHost() {
        #expect(throws: (any Error).self) {
            _ = try SecureChatClientCommand.parse(["-h"])
        }
        #expect(SecureChatClientCommand.fullMessage(for: CleanExit.helpRequest()).contains("USAGE"))
    }

    @Test func helpListsEveryOptionWithItsHelp() {
        let help = SecureChatClientCommand.helpMessage(columns: 120)
        #expect(help.contains("USAGE: securechat-client <host> [--port <port>] [--ca <file>]"))
        for option in [
            "--port <port>", "--ca <file>", "--cert <file>", "--key <file>", "--name <name>",
            "--known-hosts <path>", "--insecure", "--reconnect", "--version", "-h, --help",
        ] {
            #expect(help.contains(option), "help lacks \(option)")
        }
        #expect(help.contains("(default: 7443)"))
        #expect(help.contains("The server's host name or IP address."))
    }

    @Test func versionIsSet() {
        #expect(!SecureChatClientCommand.configuration.version.isEmpty)
    }
}
