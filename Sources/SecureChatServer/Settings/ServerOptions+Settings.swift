import SecureChatTLS

extension ServerOptions {
    /// One setting: its name (the option without `--`, and the key in a configuration file), whether a reload applies
    /// it to the running server, and its value in words (to tell what a reload changed).
    struct Setting: Sendable {
        enum Kind: Sendable { case option, flag }

        let name: String
        let kind: Kind
        /// Applied by a reload; the others keep their value until the server restarts.
        let live: Bool
        let value: @Sendable (ServerOptions) -> String

        init(_ name: String, _ kind: Kind = .option, live: Bool, value: @escaping @Sendable (ServerOptions) -> String) {
            self.name = name
            self.kind = kind
            self.live = live
            self.value = value
        }
    }

    /// Every setting, in the order of `--help`. A reload applies the live ones: TLS files and modes to new
    /// handshakes, limits to new connections (login timeout, line budget) or at once (connection caps), the log
    /// level and history days at once.
    static let settings: [Setting] = [
        Setting("host", live: false) { $0.host },
        Setting("port", live: false) { "\($0.port)" },
        Setting("cert", live: true) { $0.cert },
        Setting("key", live: true) { $0.key },
        Setting("ca", live: true) { $0.ca ?? "" },
        Setting("crl", live: true) { $0.crl ?? "" },
        Setting("client-auth", live: true) { $0.clientAuth.rawValue },
        Setting("database", live: false) { $0.database },
        Setting("history-days", live: true) { "\($0.historyDays)" },
        Setting("log-level", live: true) { "\($0.logLevel)" },
        Setting("log-format", live: false) { $0.logFormat.rawValue },
        Setting("handshake-timeout", live: true) { "\($0.handshakeTimeout)" },
        Setting("session-tickets", live: true) { "\($0.sessionTickets)" },
        Setting("tls-handover", live: true) { $0.tlsHandover.rawValue },
        Setting("login-timeout", live: true) { "\($0.loginTimeout)" },
        Setting("idle-timeout", live: false) { "\($0.idleTimeout)" },
        Setting("max-line-length", live: false) { "\($0.maxLineLength)" },
        Setting("max-connections", live: true) { "\($0.maxConnections)" },
        Setting("max-connections-per-ip", live: true) { "\($0.maxConnectionsPerIp)" },
        Setting("max-new-connections-per-minute", live: true) { "\($0.maxNewConnectionsPerMinute)" },
        Setting("rate-burst", live: true) { "\($0.rateBurst)" },
        Setting("rate-per-second", live: true) { "\($0.ratePerSecond)" },
        Setting("outbound-queue-limit", live: false) { "\($0.outboundQueueLimit)" },
        Setting("threads", live: false) { "\($0.threads)" },
        Setting("cluster", .flag, live: false) { "\($0.cluster)" },
        Setting("cluster-lease", live: false) { "\($0.clusterLease)" },
        Setting("control-socket", live: false) { $0.controlSocket ?? "" },
        Setting("metrics-listen", live: false) { $0.metricsListen ?? "" },
        Setting("web", live: false) { $0.web.rawValue },
        Setting("web-origin", live: false) { $0.webOrigin ?? "" },
    ]

    static func setting(named name: String) -> Setting? {
        settings.first { $0.name == name }
    }
}
