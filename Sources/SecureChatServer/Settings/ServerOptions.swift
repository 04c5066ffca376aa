public import ArgumentParser
import ChatCore
import Logging
import NIOCore
import SecureChatStore
import SecureChatTLS
import SecureChatWeb

/// Every setting of the server, as command-line options; a configuration file (``ConfigurationFile``) names the same
/// settings without the leading `--`.
///
/// Nothing is checked here when parsing (``problems()`` does it once the file and the command line are merged), so
/// a setting that only the file gives does not fail the command line alone.
struct ServerOptions: ParsableArguments {
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

    @Option(help: "Log format: text (one line per event, for people) or json (one object per line, for log shippers).")
    var logFormat: LogFormat = .text

    @Option(help: ArgumentHelp("Seconds a client has to finish the TLS handshake.", valueName: "seconds"))
    var handshakeTimeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "TLS 1.3 session tickets sent after each full handshake; 0 turns resumption by ticket off.",
            valueName: "n"
        )
    )
    var sessionTickets: Int = 1

    @Option(
        help: ArgumentHelp(
            "TLS 1.3: once the handshake is over, protect records here and free OpenSSL's state for the connection "
                + "(about 13 KB less per connection; docs/TLS.md); off leaves every record to OpenSSL.",
            valueName: "on|off"
        )
    )
    var tlsHandover: Switch = .on

    /// For tests, command line only (not a setting of the file): records under one key before the server updates it,
    /// after the handover.
    @Option(help: ArgumentHelp(visibility: .hidden))
    var tlsRecordsPerKey: Int = 1 << 24

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
        inversion: .prefixedNo,
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

    @Option(
        help: ArgumentHelp(
            "Unix socket for `securechat-ctl` (status, who, kick, reload); only this user may use it.",
            valueName: "path"
        )
    )
    var controlSocket: String?

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://host:port/metrics (for example 127.0.0.1:9464); off by default.",
            valueName: "host:port"
        )
    )
    var metricsListen: String?

    @Option(
        help: ArgumentHelp(
            "The chat in a browser on the same port: on serves the page at https://host:port/ and its WebSocket to "
                + "clients that ask for HTTP by ALPN (docs/WEB.md); off leaves only the line protocol.",
            valueName: "on|off"
        )
    )
    var web: Switch = .on

    @Option(
        help: ArgumentHelp(
            "Other origins whose pages may open the chat's WebSocket, comma-separated (the server's own always may).",
            valueName: "origins"
        )
    )
    var webOrigin: String?

    /// What is wrong with these settings, one line each; empty when the server can start with them.
    func problems() -> [String] {
        var problems: [String] = []
        if !(0...65535).contains(port) { problems.append("port: give a port from 0 to 65535") }
        if !(1...36_500).contains(historyDays) { problems.append("history-days: give 1 to 36500") }
        if host.isEmpty || host.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append("host: give an address or a host name")
        }
        if clientAuth != .off && ca == nil {
            problems.append("ca: needed, because client-auth \(clientAuth.rawValue) verifies clients against it")
        }
        if crl != nil && ca == nil {
            problems.append("ca: needed, because a CRL is only used when verifying client certificates")
        }
        // Bounded so that every value converts to a time or a count (a day; a billion lines a second).
        for (name, value, limit) in [
            ("handshake-timeout", handshakeTimeout, 86_400.0), ("login-timeout", loginTimeout, 86_400),
            ("idle-timeout", idleTimeout, 86_400), ("rate-burst", rateBurst, 1e9),
            ("rate-per-second", ratePerSecond, 1e9),
        ] where !(value > 0 && value <= limit) {
            problems.append("\(name): give a value above 0 and at most \(Int(limit))")
        }
        if rateBurst > 0 && rateBurst < 1 { problems.append("rate-burst: give at least 1") }
        for (name, value, limit) in [
            ("max-line-length", maxLineLength, 1 << 24), ("max-connections", maxConnections, 10_000_000),
            ("max-connections-per-ip", maxConnectionsPerIp, 10_000_000),
            ("max-new-connections-per-minute", maxNewConnectionsPerMinute, 1_000_000_000),
            ("outbound-queue-limit", outboundQueueLimit, 1 << 32),
        ] where !(1...limit).contains(value) {
            problems.append("\(name): give 1 to \(limit)")
        }
        if !(0...256).contains(threads) { problems.append("threads: give 0 (one per core) to 256") }
        if cluster && !PostgresStoreConfiguration.isPostgresURL(database) {
            problems.append("database: give a postgres:// URL, because cluster nodes share one PostgreSQL database")
        }
        if !(clusterLease >= 1 && clusterLease <= 3600) { problems.append("cluster-lease: give 1 to 3600 seconds") }
        if !(0...8).contains(sessionTickets) { problems.append("session-tickets: give 0 to 8") }
        if !(1...(1 << 24)).contains(tlsRecordsPerKey) { problems.append("tls-records-per-key: give 1 to 16777216") }
        if let controlSocket, controlSocket.utf8.count > 100 {
            // sockaddr_un has room for 107 bytes and a NUL.
            problems.append("control-socket: give a path of at most 100 bytes")
        }
        if let metricsListen, ListenAddress(metricsListen) == nil {
            problems.append("metrics-listen: give host:port, such as 127.0.0.1:9464 or [::1]:9464")
        }
        for origin in webOrigins where !OriginPolicy.isValid(origin) {
            problems.append("web-origin: give origins as https://host[:port], not \(origin)")
        }
        return problems
    }

    /// The origins of `--web-origin`.
    var webOrigins: [String] {
        (webOrigin ?? "").split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
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
        tls.recordLayerHandover = tlsHandover == .on
        tls.handoverRecordsPerKey = UInt64(tlsRecordsPerKey)
        if web == .on { tls.applicationProtocols = [WebSettings.applicationProtocol] }
        var configuration = ServerConfiguration(tls: tls)
        configuration.host = host
        configuration.port = port
        configuration.database = database
        configuration.historyDays = historyDays
        configuration.logLevel = logLevel
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
        configuration.controlSocket = controlSocket
        configuration.metricsListen = metricsListen.flatMap(ListenAddress.init)
        configuration.web =
            web == .on
            ? WebSettings(allowedOrigins: webOrigins, maximumMessageLength: configuration.framedLineLength) : nil
        return configuration
    }
}

extension ClientAuthentication: ExpressibleByArgument {}

/// A setting that is `on` or `off`.
enum Switch: String, ExpressibleByArgument, Sendable {
    case on, off
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
