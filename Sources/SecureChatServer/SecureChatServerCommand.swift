public import ArgumentParser
import ChatCore
import Logging
import NIOCore
import SecureChatStore
import SecureChatTLS

/// `securechat-server`: the TLS chat server.
@main
struct SecureChatServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securechat-server",
        abstract: "A multi-user chat server; every connection is TLS through the system's OpenSSL.",
        discussion: "The protocol is described in docs/PROTOCOL.md. Defaults work after `make certs`.",
        version: "0.1.0"
    )

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .shortAndLong, help: "Port to listen on; 0 picks a free port.")
    var port: Int = 7443

    @Option(help: ArgumentHelp("PEM certificate chain of the server.", valueName: "file"))
    var cert: String = "certs/server.crt"

    @Option(help: ArgumentHelp("PEM private key of the server.", valueName: "file"))
    var key: String = "certs/server.key"

    @Option(help: ArgumentHelp("PEM CA certificates that sign client certificates.", valueName: "file"))
    var ca: String?

    @Option(help: ArgumentHelp("PEM certificate revocation list for client certificates.", valueName: "file"))
    var crl: String?

    @Option(help: "Client certificates: off, optional or required.")
    var clientAuth: ClientAuthentication = .off

    @Option(
        help: ArgumentHelp(
            "SQLite database file (created if missing), or a postgres:// URL (PGHOST, PGPORT, PGUSER, PGPASSWORD, "
                + "PGDATABASE, PGSSLMODE and PGSSLROOTCERT fill in what it leaves out; see docs/POSTGRESQL.md).",
            valueName: "path-or-url"
        )
    )
    var database: String = "data/securechat.sqlite"

    @Option(help: ArgumentHelp("Days of history to keep.", valueName: "days"))
    var historyDays: Int = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp("Seconds a client has to finish the TLS handshake.", valueName: "seconds"))
    var handshakeTimeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "TLS 1.3 session tickets sent after each full handshake; 0 turns resumption by ticket off.",
            valueName: "n"
        )
    )
    var sessionTickets: Int = 1

    @Option(help: ArgumentHelp("Seconds a client has to log in after the handshake.", valueName: "seconds"))
    var loginTimeout: Double = 60

    @Option(
        help: ArgumentHelp(
            "Seconds of silence before a PING probe; as long again without an answer drops the connection.",
            valueName: "seconds"
        )
    )
    var idleTimeout: Double = 150

    @Option(help: ArgumentHelp("Longest line accepted from a client, in bytes.", valueName: "bytes"))
    var maxLineLength: Int = 4096

    @Option(help: ArgumentHelp("Connections open at once, in total.", valueName: "n"))
    var maxConnections: Int = 10_000

    @Option(help: ArgumentHelp("Connections open at once from one IPv4 address or IPv6 /64.", valueName: "n"))
    var maxConnectionsPerIp: Int = 20

    @Option(help: ArgumentHelp("New connections per minute from one IPv4 address or IPv6 /64.", valueName: "n"))
    var maxNewConnectionsPerMinute: Int = 30

    @Option(help: ArgumentHelp("Lines a user may send in one burst.", valueName: "n"))
    var rateBurst: Double = 10

    @Option(help: ArgumentHelp("Lines per second a user may send after a burst.", valueName: "n"))
    var ratePerSecond: Double = 5

    @Option(
        help: ArgumentHelp("Bytes queued for a client that does not read before it is dropped.", valueName: "bytes")
    )
    var outboundQueueLimit: Int = 1024 * 1024

    @Option(help: ArgumentHelp("Event-loop threads; 0 means one per core.", valueName: "n"))
    var threads: Int = 0

    @Flag(
        help: ArgumentHelp(
            "Run as one node of a cluster: every server started with --cluster on the same PostgreSQL database "
                + "serves one chat (docs/CLUSTER.md)."
        )
    )
    var cluster = false

    @Option(
        help: ArgumentHelp(
            "Seconds a cluster node may go without a heartbeat before the others free its users' names.",
            valueName: "seconds"
        )
    )
    var clusterLease: Double = 10

    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("Please give a port between 0 and 65535.")
        }
        guard historyDays >= 1 else {
            throw ValidationError("Please give --history-days of at least 1.")
        }
        if clientAuth != .off && ca == nil {
            throw ValidationError("Please give --ca: --client-auth \(clientAuth.rawValue) verifies clients against it.")
        }
        if crl != nil && ca == nil {
            throw ValidationError("Please give --ca: a CRL is only used when verifying client certificates.")
        }
        for (name, value) in [
            ("--handshake-timeout", handshakeTimeout), ("--login-timeout", loginTimeout),
            ("--idle-timeout", idleTimeout), ("--rate-burst", rateBurst), ("--rate-per-second", ratePerSecond),
        ] where !(value > 0) {
            throw ValidationError("Please give \(name) a value above 0.")
        }
        for (name, value) in [
            ("--max-line-length", maxLineLength), ("--max-connections", maxConnections),
            ("--max-connections-per-ip", maxConnectionsPerIp),
            ("--max-new-connections-per-minute", maxNewConnectionsPerMinute),
            ("--outbound-queue-limit", outboundQueueLimit),
        ] where value < 1 {
            throw ValidationError("Please give \(name) a value of at least 1.")
        }
        guard rateBurst >= 1 else { throw ValidationError("Please give --rate-burst of at least 1.") }
        guard threads >= 0 else { throw ValidationError("Please give --threads of 0 or more.") }
        if cluster && !PostgresStoreConfiguration.isPostgresURL(database) {
            throw ValidationError("Please give --database postgres://…: --cluster nodes share one PostgreSQL database.")
        }
        guard clusterLease >= 1 && clusterLease <= 3600 else {
            throw ValidationError("Please give --cluster-lease from 1 to 3600 seconds.")
        }
        guard (0...8).contains(sessionTickets) else {
            throw ValidationError("Please give --session-tickets from 0 to 8.")
        }
    }

    func makeConfiguration() -> ServerConfiguration {
        var tls = TLSConfiguration.server(
            certificateChainPath: cert,
            privateKeyPath: key,
            trustRootsPath: ca,
            crlPath: crl,
            clientAuthentication: clientAuth
        )
        tls.handshakeTimeout = .milliseconds(Int64(handshakeTimeout * 1000))
        tls.sessionTickets = sessionTickets
        var configuration = ServerConfiguration(tls: tls)
        configuration.host = host
        configuration.port = port
        configuration.database = database
        configuration.historyDays = historyDays
        configuration.loginTimeout = .milliseconds(Int64(loginTimeout * 1000))
        configuration.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        configuration.maximumLineLength = maxLineLength
        configuration.outboundQueueLimit = outboundQueueLimit
        configuration.admission = .init(
            total: maxConnections,
            perAddress: maxConnectionsPerIp,
            newPerMinute: maxNewConnectionsPerMinute
        )
        configuration.rateBurst = rateBurst
        configuration.ratePerSecond = ratePerSecond
        if threads > 0 { configuration.eventLoops = threads }
        configuration.cluster = cluster
        configuration.clusterLease = .milliseconds(Int64(clusterLease * 1000))
        return configuration
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "securechat")
        do {
            try await ChatServer(configuration: makeConfiguration(), logger: logger).run()
        } catch let error as StartupError {
            logger.critical("\(error.description)")
            throw ExitCode.failure
        }
    }
}

extension ClientAuthentication: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {}
