import Dispatch
import Foundation
public import Testing

/// Throw-away PostgreSQL servers for the tests that run `securechat-server` on PostgreSQL, made by
/// `scripts/test-postgres.sh` (initdb and pg_ctl in a temporary directory, on a free loopback port).
///
/// `make test` starts one for the whole run and passes its URL in `SECURECHAT_TEST_DATABASE_URL`; a bare
/// `swift test` starts one on first use and stops it when this process exits. Every test gets an empty database of
/// its own in it, so tests run side by side. A test that stops PostgreSQL under a running server starts a cluster of
/// its own (``Cluster``).
public enum TestPostgres {
    /// The URL of a new, empty database for a test; cancels the test where PostgreSQL is not installed (unless under
    /// CI, where that is a failure).
    public static func databaseForTest() async throws -> String {
        if !isInstalled && !isCI {
            try Test.cancel("PostgreSQL is not installed (apt-get install postgresql)")
        }
        return try await newDatabase()
    }

    /// Whether PostgreSQL's server programs are installed (Debian's `postgresql`).
    public static var isInstalled: Bool {
        if ProcessInfo.processInfo.environment["SECURECHAT_TEST_DATABASE_URL"] != nil { return true }
        return Cluster.binDirectory != nil
    }

    /// Runs the test only where PostgreSQL is installed, or under CI (where its absence is a failure).
    public static var required: ConditionTrait {
        .enabled(if: isInstalled || isCI, "PostgreSQL is not installed (apt-get install postgresql)")
    }

    /// Whether this run is CI's (`CI` set), where a missing PostgreSQL is a failure rather than a reason to skip.
    public static var isCI: Bool {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !value.isEmpty && value != "false" && value != "0"
    }

    /// The URL of a new, empty database on the shared server.
    public static func newDatabase() async throws -> String {
        let server = try await shared.url()
        let name = "e2e_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try psql(server, "CREATE DATABASE \(name)")
        return replacingDatabase(of: server, with: name)
    }

    /// Runs one SQL statement with `psql` against `url`; returns what it printed (unaligned, tuples only).
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let executable = Cluster.binDirectory.map { "\($0)/psql" } ?? "/usr/bin/psql"
        return try Cluster.run(executable, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
    }

    /// `url` naming the database `name` instead.
    public static func replacingDatabase(of url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/\(name)"
        return components.string ?? url
    }

    private static let shared = SharedServer()

    /// The server every test shares: `make test`'s, or one started here.
    private actor SharedServer {
        /// The one start, which every caller waits for (the actor is re-entered while it runs).
        private var started: Task<Cluster, any Error>?

        func url() async throws -> String {
            if let url = ProcessInfo.processInfo.environment["SECURECHAT_TEST_DATABASE_URL"] { return url }
            let start = started ?? Task { try await Cluster.start() }
            started = start
            return try await start.value.url
        }
    }

    /// One PostgreSQL server of a test's own, removed when the last reference goes (or, at the latest, by the script
    /// once this process has exited).
    public final class Cluster: Sendable {
        public let directory: String
        public let url: String

        private init(directory: String, url: String) {
            self.directory = directory
            self.url = url
        }

        deinit {
            _ = try? Self.script(["stop", directory])
        }

        /// A new server, running; with `tls`, it offers TLS with a certificate from ``caCertificate``.
        public static func start(tls: Bool = false) async throws -> Cluster {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("securechat-pg-\(getpid())-\(UUID().uuidString.prefix(8))").path
            let url = try await offThePool {
                try script(["start", directory], environment: tls ? ["TEST_POSTGRES_TLS": "1"] : [:])
            }.trimmingCharacters(in: .whitespacesAndNewlines)
            return Cluster(directory: directory, url: url)
        }

        /// The CA that signed the server's certificate (a cluster started with `tls`).
        public var caCertificate: String { directory + "/tls/ca.crt" }

        /// Stops PostgreSQL (fast shutdown: its clients are disconnected), keeping its data.
        public func pause() async throws {
            let directory = self.directory
            try await Self.offThePool { try Self.script(["pause", directory]) }
        }

        /// Starts it again on the same port, with the same data.
        public func resume() async throws {
            let directory = self.directory
            try await Self.offThePool { try Self.script(["resume", directory]) }
        }

        /// Runs `work` (which waits for a program: `initdb`, `pg_ctl`, seconds on a loaded machine) on a thread of
        /// its own, not on one of the few threads every test's tasks share.
        @discardableResult
        static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try work() })
                }
            }
        }

        /// The directory of PostgreSQL's programs (Debian's newest version), if installed; the script also looks on
        /// `PATH`.
        static let binDirectory: String? = {
            let fileManager = FileManager.default
            let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
            return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
                .map { "/usr/lib/postgresql/\($0)/bin" }
                .first { fileManager.isExecutableFile(atPath: "\($0)/initdb") }
        }()

        @discardableResult
        static func script(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
            // Tests/PostgresTestSupport/TestPostgres.swift → the package's root.
            let root = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let script = root.appendingPathComponent("scripts/test-postgres.sh").path
            return try run("/bin/bash", [script] + arguments, environment: environment)
        }

        /// Runs a program to its end, with `environment` added to this process's; its standard output, or an error
        /// with its standard error.
        static func run(
            _ executable: String,
            _ arguments: [String],
            environment: [String: String] = [:]
        ) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let printed = output.fileHandleForReading.readDataToEndOfFile()
            let complaint = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw Failure(
                    command: ([executable] + arguments).joined(separator: " "),
                    status: process.terminationStatus,
                    message: String(decoding: complaint, as: UTF8.self)
                )
            }
            return String(decoding: printed, as: UTF8.self)
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let message: String
        public var description: String { "\(command) exited with \(status): \(message)" }
    }
}
