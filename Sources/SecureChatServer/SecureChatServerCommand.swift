public import ArgumentParser
import ChatCore
import CoreMetrics
import Foundation
import Logging
import Prometheus
import SecureChatStore
import SecureChatTLS

/// `securechat-server`: the TLS chat server.
@main
struct SecureChatServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securechat-server",
        abstract: "A multi-user chat server; every connection is TLS through the system's OpenSSL.",
        discussion: """
            The protocol is described in docs/PROTOCOL.md, running it as a service in docs/OPERATIONS.md. Defaults \
            work after `make certs`.
            """,
        version: ServerOperations.version
    )

    @OptionGroup(title: "Settings (also the keys of a --config file)")
    var options: ServerOptions

    @Option(
        help: ArgumentHelp(
            "TOML file of settings, named as the options above without `--` (contrib/securechat.toml); options "
                + "given on the command line win. SIGHUP reads it again.",
            valueName: "file"
        )
    )
    var config: String?

    @Flag(help: "Check the settings and the files they name, print each problem on a line, and exit (1 if any).")
    var checkConfig = false

    /// Without a file, the command line alone must hold: refused as any other bad option. With one, the merged
    /// settings are checked in `run()`.
    func validate() throws {
        guard config == nil, !checkConfig else { return }
        let problems = options.problems()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
    }

    func run() async throws {
        let source = SettingsSource(arguments: Array(CommandLine.arguments.dropFirst()), file: config)
        let settings: ServerOptions
        do {
            settings = try source.load()
        } catch {
            for problem in error.problems { Self.printError(problem) }
            throw ExitCode.failure
        }
        if checkConfig {
            let problems = Self.fileProblems(settings)
            for problem in problems { Self.printError(problem) }
            guard problems.isEmpty else { throw ExitCode.failure }
            print("configuration OK\(config.map { ": \($0)" } ?? "")")
            return
        }
        let levels = LogLevelSwitch(settings.logLevel)
        let format = settings.logFormat
        LoggingSystem.bootstrap { label in
            ServerLogHandler(label: label, format: format, levels: levels)
        }
        let logger = Logger(label: "securechat")
        if let config { logger.info("settings from \(config) and the command line") }
        var server = ChatServer(
            configuration: settings.makeConfiguration(),
            logger: logger,
            reloader: SettingsReloader(source: source, started: settings),
            levels: levels
        )
        if settings.metricsListen != nil {
            // Before anything makes a metric: swift-metrics hands each one the backend of its time.
            server.metricsListen = Self.bootstrapMetrics()
        }
        do {
            try await server.run()
        } catch let error as StartupError {
            logger.critical("\(error.description)")
            throw ExitCode.failure
        }
    }

    /// What keeps the server from starting with `settings` that reading them does not show: TLS files that do not
    /// load, a database URL that does not parse.
    static func fileProblems(_ settings: ServerOptions) -> [String] {
        var problems: [String] = []
        do {
            _ = try TLSContext(configuration: settings.makeConfiguration().tls)
        } catch {
            problems.append("tls: \(error)")
        }
        if PostgresStoreConfiguration.isPostgresURL(settings.database) {
            do {
                _ = try PostgresStoreConfiguration(
                    url: settings.database,
                    environment: ProcessInfo.processInfo.environment
                )
            } catch {
                problems.append("database: \(error.detail)")
            }
        }
        return problems
    }

    /// Prometheus as swift-metrics' backend, with latency buckets that fit a store commit (sub-millisecond to
    /// seconds).
    private static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["securechat_store_commit_seconds"] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    private static func printError(_ line: String) {
        FileHandle.standardError.write(Data("securechat-server: \(line)\n".utf8))
    }
}
