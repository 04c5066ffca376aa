import ChatCore
import Dispatch
import Foundation
import Testing

/// What a newcomer meets first: `make run`'s server, its first log lines, and `make client-cert`.
@Suite(.timeLimit(.minutes(2)))
struct SetupTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The server command `make run` would run with `variables` (dry run, nothing built), as its arguments.
    static func makeRunArguments(_ variables: [String] = []) async throws -> [String] {
        let result = try await run("/usr/bin/make", ["-s", "-n", "run", "BIN_PATH=/bin"] + variables)
        try #require(result.status == 0, "make -n run failed: \(result.output)")
        let joined = result.output.replacingOccurrences(of: "\\\n", with: " ")
        let line = try #require(joined.split(separator: "\n").first { $0.contains("securechat-server") })
        return line.split(separator: " ").map { $0.replacingOccurrences(of: "\"", with: "") }
    }

    static func value(of option: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: option), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// README's certificate login works against the server `make run` starts: it passes a CA and accepts client
    /// certificates.
    @Test func makeRunAcceptsClientCertificates() async throws {
        let arguments = try await Self.makeRunArguments()
        #expect(Self.value(of: "--ca", in: arguments) == "certs/ca.crt")
        let mode = try #require(Self.value(of: "--client-auth", in: arguments), "make run passes no --client-auth")
        #expect(mode == "optional")

        // The same mode on a server with the test's certificates: a certificate logs in, and a guest still can.
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", mode, "--ca", pki.caCertificate]
        )
        let alice = try server.connect(certificate: try pki.client("alice"))
        #expect(await alice.next { !$0.isEmpty }?.hasPrefix("WELCOME alice ") == true)
        _ = try await server.login("bob")
    }

    @Test func makeRunListensOnLoopbackUnlessToldOtherwise() async throws {
        let defaults = try await Self.makeRunArguments()
        #expect(Self.value(of: "--host", in: defaults) == "127.0.0.1")
        #expect(Self.value(of: "--port", in: defaults) == "7443")
        let chosen = try await Self.makeRunArguments(["HOST=0.0.0.0", "PORT=7000"])
        #expect(Self.value(of: "--host", in: chosen) == "0.0.0.0")
        #expect(Self.value(of: "--port", in: chosen) == "7000")
    }

    /// After `listening on …` the log says how to connect, with this server's port and CA.
    @Test func theServerLogsHowToConnect() async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(pki: pki, extraArguments: ["--ca", pki.caCertificate])
        let hint = await server.process.errorLine { $0.contains("connect with:") }
        #expect(hint?.contains("securechat-client localhost --port \(server.port) --ca \(pki.caCertificate)") == true)
        #expect(
            hint?.contains("openssl s_client -connect localhost:\(server.port) -CAfile \(pki.caCertificate)") == true
        )
        #expect(hint?.hasSuffix("or a browser: https://localhost:\(server.port)/") == true)
    }

    /// A port in use is one plain line: the reason and what to do, not the system call's name.
    @Test func aPortInUseIsSaidPlainly() async throws {
        let first = try await ServerProcess.start()
        let second = try LineProcess(
            name: "server",
            executable: ServerProcess.executable("securechat-server"),
            arguments: [
                "--port", "\(first.port)", "--cert", first.pki.serverCertificate, "--key", first.pki.serverKey,
                "--database", first.pki.path("second.sqlite"),
            ]
        )
        #expect(await second.waitForExit(timeout: 20) == 1)
        let line = second.errorLines.first { $0.contains("cannot listen") } ?? ""
        #expect(line.contains("cannot listen on 127.0.0.1:\(first.port): Address already in use (another server"))
        #expect(!line.contains("bind("))
        #expect(line.hasSuffix("--port)"))
    }

    /// `make client-cert` refuses what the server would refuse, so no certificate is issued that cannot log in.
    @Test func clientCertificatesAreIssuedOnlyForNamesTheServerAccepts() async throws {
        let script = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("certs/make-certs.sh"),
            encoding: .utf8
        )
        let start = try #require(script.range(of: "RESERVED_NAMES=\""))
        let end = try #require(script[start.upperBound...].firstIndex(of: "\""))
        let scriptWords = Set(script[start.upperBound..<end].split(whereSeparator: \.isWhitespace).map(String.init))
        #expect(scriptWords == Username.reservedWords)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(
            at: Self.packageRoot.appendingPathComponent("certs/ca.cnf"),
            to: directory.appendingPathComponent("ca.cnf")
        )
        let environment = ["CERTS_DIR": directory.path]
        let makeCerts = Self.packageRoot.appendingPathComponent("certs/make-certs.sh").path
        #expect(try await Self.run("/bin/bash", [makeCerts], environment: environment).status == 0)
        for refused in ["whoelse", "Tata", "say", "room", ".", "-rf", "12345", "_x"] {
            let result = try await Self.run("/bin/bash", [makeCerts, "client", refused], environment: environment)
            #expect(result.status != 0, "a certificate was issued for \(refused)")
            #expect(result.output.contains("make-certs: error: '\(refused)' is"))
            #expect(
                !FileManager.default.fileExists(atPath: directory.appendingPathComponent("clients/\(refused).crt").path)
            )
        }
        let alice = try await Self.run("/bin/bash", [makeCerts, "client", "alice.b"], environment: environment)
        #expect(alice.status == 0, "\(alice.output)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("clients/alice.b.crt").path))
        // The server keeps the spelling of a certificate name: another spelling is refused here too.
        let shouted = try await Self.run("/bin/bash", [makeCerts, "client", "Alice.B"], environment: environment)
        #expect(shouted.status != 0)
        #expect(shouted.output.contains("'Alice.B' differs from the issued 'alice.b' only in case"))
    }

    /// Runs `executable` to its end on a thread of its own: waiting for it on the test's would hold one of the few
    /// threads every test's task shares, and other tests' servers would seem not to start.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
    }
}
