import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `securechat-client HOST [options]`: the terminal client for SecureChat.
@main
struct SecureChatClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securechat-client",
        abstract: "Chat with a SecureChat server over TLS.",
        discussion: """
            The server's certificate is verified against --ca, or else against the system trust store. When no \
            --ca is given and the certificate's issuer is unknown (for example a self-signed certificate), its \
            SHA-256 fingerprint is shown and, once accepted, remembered in the known_hosts file; a changed \
            certificate is refused.

            When stdin is a terminal the client runs interactively. Otherwise it sends the lines read from stdin, \
            prints the server's answers on stdout, and exits once every command has been answered.
            """,
        version: "1.0.0"
    )

    @Argument(help: ArgumentHelp("The server's host name or IP address.", valueName: "host"))
    var host: String

    @Option(help: ArgumentHelp("The server's TCP port.", valueName: "port"))
    var port: Int = ClientConfiguration.defaultPort

    @Option(
        help: ArgumentHelp(
            "PEM file of the CA that signed the server's certificate (instead of the system trust store).",
            valueName: "file"
        )
    )
    var ca: String?

    @Option(help: ArgumentHelp("PEM file with a client certificate to log in with (needs --key).", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("PEM file with the private key of --cert.", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("Answer the username prompt with this name.", valueName: "name"))
    var name: String?

    @Option(
        help: ArgumentHelp(
            "The file of remembered server certificates (default: ~/.config/securechat/known_hosts).",
            valueName: "path"
        )
    )
    var knownHosts: String?

    @Option(
        help: ArgumentHelp(
            "PEM file of the CA that issues users' certificates, which sealed messages are checked against "
                + "(default: --ca).",
            valueName: "file"
        )
    )
    var userCA: String?

    @Option(
        help: ArgumentHelp(
            "PEM file with that CA's certificate revocation list, for sealed messages.",
            valueName: "file"
        )
    )
    var crl: String?

    @Option(
        help: ArgumentHelp(
            "The file of users' keys remembered for sealed messages (default: ~/.config/securechat/known_users).",
            valueName: "file"
        )
    )
    var knownUsers: String?

    @Flag(help: "Do not verify the server's certificate at all (prints a warning; for testing only).")
    var insecure = false

    @Flag(help: "Reconnect with backoff (1 s, 2 s, 4 s … 30 s) when the connection drops, and log in again.")
    var reconnect = false

    func validate() throws {
        if cert != nil, key == nil {
            throw ValidationError("Please give the private key of --cert with --key.")
        }
        if key != nil, cert == nil {
            throw ValidationError("Please give the certificate of --key with --cert.")
        }
        if insecure, ca != nil {
            throw ValidationError("Please choose either --ca (verify against a CA) or --insecure (no verification).")
        }
        if !(1...65_535).contains(port) {
            throw ValidationError("Please give a port between 1 and 65535.")
        }
        if host.isEmpty {
            throw ValidationError("Please give the server's host name or IP address.")
        }
        if let name, name.isEmpty || name.contains(where: { $0.isWhitespace }) {
            throw ValidationError("Please give a --name without spaces.")
        }
    }

    /// The settings this command line asks for.
    func makeConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) -> ClientConfiguration {
        let trust: ServerTrustPolicy
        if let ca {
            trust = .certificateAuthority(path: ca)
        } else if insecure {
            trust = .insecure
        } else {
            trust = .systemThenKnownHosts(
                knownHostsPath: knownHosts ?? KnownHosts.defaultPath(environment: environment)
            )
        }
        return ClientConfiguration(
            host: host,
            port: port,
            trust: trust,
            clientCertificate: cert.flatMap { cert in key.map { .init(chainPath: cert, keyPath: $0) } },
            name: name,
            reconnect: reconnect,
            sealing: .init(
                caPath: userCA ?? ca,
                crlPath: crl,
                knownUsersPath: knownUsers ?? KnownUsers.defaultPath(environment: environment)
            )
        )
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let client = ChatClient(
            configuration: makeConfiguration(environment: environment),
            interactive: RawTerminal.isTerminal(STDIN_FILENO),
            colour: ServerLineRenderer.wantsColour(
                stdoutIsTerminal: RawTerminal.isTerminal(STDOUT_FILENO),
                environment: environment
            )
        )
        let status = await client.run()
        if status != 0 {
            throw ExitCode(status)
        }
    }
}
