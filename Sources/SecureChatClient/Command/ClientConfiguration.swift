import SecureChatTLS

/// Everything the client needs to connect and log in, made from the command line by ``SecureChatClientCommand``.
struct ClientConfiguration: Sendable, Equatable {
    /// A client certificate and its private key (PEM files).
    struct ClientCertificate: Sendable, Equatable {
        var chainPath: String
        var keyPath: String
    }

    /// What sealed messages are checked with (docs/SEALED.md).
    struct Sealing: Sendable, Equatable {
        /// The CA that issues users' certificates (`--user-ca`, else `--ca`); nil: sealed messages are off.
        var caPath: String?
        /// That CA's CRL, if any (`--crl`).
        var crlPath: String?
        /// The users' keys remembered so far (`--known-users`).
        var knownUsersPath: String = KnownUsers.defaultPath()
    }

    /// The server's DNS name or IP address; also the name its certificate must carry.
    var host: String
    /// The server's TCP port. Default 7443.
    var port: Int
    /// How the server's certificate is checked. Default: the system trust store, then known_hosts.
    var trust: ServerTrustPolicy
    /// The certificate to log in with, if any. Default none.
    var clientCertificate: ClientCertificate?
    /// The user name to answer the username prompt with, if any. Default none (the user types it).
    var name: String?
    /// Whether to reconnect with backoff when the connection drops. Default false.
    var reconnect: Bool
    /// How long a TLS handshake may take. Default 10 seconds.
    var handshakeTimeout: Duration
    /// Sealed messages. Default: off (no CA).
    var sealing: Sealing

    /// The default port, the same as the server's.
    static let defaultPort = 7443

    init(
        host: String,
        port: Int = ClientConfiguration.defaultPort,
        trust: ServerTrustPolicy = .systemThenKnownHosts(knownHostsPath: KnownHosts.defaultPath()),
        clientCertificate: ClientCertificate? = nil,
        name: String? = nil,
        reconnect: Bool = false,
        handshakeTimeout: Duration = .seconds(10),
        sealing: Sealing = Sealing()
    ) {
        self.sealing = sealing
        self.host = host
        self.port = port
        self.trust = trust
        self.clientCertificate = clientCertificate
        self.name = name
        self.reconnect = reconnect
        self.handshakeTimeout = handshakeTimeout
    }

    /// `host:port` as the user would write it.
    var address: String { KnownHosts.hostPort(host: host, port: port) }

    /// The TLS settings for one connection attempt.
    func tlsConfiguration(trustRootsPath: String?, verification: ServerVerification) -> TLSConfiguration {
        .client(
            serverHostname: host,
            trustRootsPath: trustRootsPath,
            serverVerification: verification,
            certificateChainPath: clientCertificate?.chainPath,
            privateKeyPath: clientCertificate?.keyPath,
            handshakeTimeout: handshakeTimeout
        )
    }
}
