import Foundation
import PostgresTestSupport

/// The real `securechat-server` binary, started on port 0 with a temporary database and test certificates.
final class ServerProcess: @unchecked Sendable {
    let process: LineProcess
    let port: Int
    let pki: TestPKI
    let databasePath: String

    /// The directory that holds the built executables.
    static let binDirectory: URL = {
        if let explicit = ProcessInfo.processInfo.environment["SECURECHAT_BIN_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        // The test bundle lives next to the executables in .build/<triple>/debug.
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("securechat-server").path) {
                return candidate
            }
            candidate.deleteLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    static func executable(_ name: String) -> String {
        binDirectory.appendingPathComponent(name).path
    }

    /// Limits loose enough that a test's burst of s_client processes from 127.0.0.1 is not mistaken for abuse.
    static let relaxedLimits = [
        "--max-new-connections-per-minute", "100000", "--max-connections-per-ip", "10000",
        "--rate-burst", "100000", "--rate-per-second", "100000",
    ]

    /// Starts a server and waits until it logs the port it listens on. Its data goes to `databasePath` (a file or a
    /// `postgres://` URL), or else to a new database of the kind `database`.
    static func start(
        pki: TestPKI? = nil,
        database kind: TestDatabase = .sqlite,
        databasePath: String? = nil,
        limits: [String] = relaxedLimits,
        extraArguments: [String] = [],
        environment: [String: String]? = nil
    ) async throws -> ServerProcess {
        let pki = try pki ?? TestPKI.make()
        let database: String
        if let databasePath {
            database = databasePath
        } else if kind == .postgres {
            database = try await TestPostgres.databaseForTest()
        } else {
            database = pki.path("chat-\(UUID().uuidString).sqlite")
        }
        let arguments =
            [
                "--port", "0", "--cert", pki.serverCertificate, "--key", pki.serverKey, "--database", database,
                "--log-level", "debug",
            ] + limits + extraArguments
        // The server reads nothing and writes only its log (stderr).
        let process = try LineProcess(
            name: "server",
            executable: executable("securechat-server"),
            arguments: arguments,
            environment: environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } },
            input: false,
            output: false
        )
        // Generous: at the start of `make test` dozens of servers and certificate authorities start at once on two
        // cores.
        // In text and in JSON (`"message":"listening on 127.0.0.1:7443"`) alike.
        guard let line = await process.errorLine(timeout: 90, where: { $0.contains("listening on ") }),
            let match = line.firstMatch(of: /listening on [^" ]*:([0-9]+)/),
            let port = Int(match.output.1)
        else {
            process.signal(SIGKILL)
            throw StartFailure(log: process.errorLines.joined(separator: "\n"))
        }
        return ServerProcess(process: process, port: port, pki: pki, databasePath: database)
    }

    private init(process: LineProcess, port: Int, pki: TestPKI, databasePath: String) {
        self.process = process
        self.port = port
        self.pki = pki
        self.databasePath = databasePath
    }

    deinit {
        process.signal(SIGKILL)
    }

    /// A new `openssl s_client` connected to this server; `certificate` is a (cert, key) pair to present.
    func connect(certificate: (cert: String, key: String)? = nil, extra: [String] = []) throws -> LineProcess {
        var arguments = [
            "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", pki.caCertificate, "-quiet", "-no_ign_eof",
            "-verify_return_error",
        ]
        if let certificate { arguments += ["-cert", certificate.cert, "-key", certificate.key] }
        // s_client's stderr (certificate chain, verify results) is not read by any test.
        return try LineProcess(
            name: "s_client",
            executable: "/usr/bin/openssl",
            arguments: arguments + extra,
            errors: false
        )
    }

    /// Connects and logs in as a guest called `name`, returning the client after its WELCOME line.
    func login(_ name: String) async throws -> LineProcess {
        let client = try connect()
        guard await client.next("PROMPT Enter username:") != nil else {
            throw LoginFailure(name: name, seen: client.lines)
        }
        client.send(name)
        guard await client.next("WELCOME \(name) ") != nil else { throw LoginFailure(name: name, seen: client.lines) }
        return client
    }

    /// Logs in as a guest called `name`, registers `password`, and leaves again.
    func register(_ name: String, password: String) async throws {
        let client = try await login(name)
        client.send("register \(password)")
        guard await client.answer().last?.hasPrefix("OK \(name) is registered") == true else {
            throw LoginFailure(name: name, seen: client.lines)
        }
        client.send("tata")
        await client.next("BYE ")
    }

    /// Logs in as the registered user `name` with `password`, returning the client after its WELCOME line.
    func login(_ name: String, password: String) async throws -> LineProcess {
        let client = try connect()
        guard await client.next("PROMPT Enter username:") != nil else {
            throw LoginFailure(name: name, seen: client.lines)
        }
        client.send(name)
        guard await client.next("PROMPT ") == "PROMPT password Enter password for \(name):" else {
            throw LoginFailure(name: name, seen: client.lines)
        }
        client.send(password)
        guard await client.next("WELCOME \(name) ") != nil else { throw LoginFailure(name: name, seen: client.lines) }
        return client
    }

    /// Stops the server with `signal` and waits for it to exit.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) async -> Int32? {
        process.signal(signal)
        return await process.waitForExit(timeout: 10)
    }

    struct StartFailure: Error, CustomStringConvertible {
        let log: String
        var description: String { "the server did not start:\n\(log)" }
    }

    struct LoginFailure: Error, CustomStringConvertible {
        let name: String
        let seen: [String]
        var description: String { "\(name) could not log in; saw: \(seen)" }
    }
}
