/// Everything needed to build a ``TLSContext``: files, client-certificate policy and protocol limits.
///
/// A plain value with no OpenSSL types. Build one with the static factories `.server(...)` or `.client(...)`;
/// the files are only read when the ``TLSContext`` is made.
public struct TLSConfiguration: Sendable, Hashable {
    /// Which end of the handshake a connection plays.
    public enum Role: String, Sendable, Hashable {
        /// Accepts connections (`SSL_set_accept_state`).
        case server
        /// Opens connections (`SSL_set_connect_state`).
        case client
    }

    /// Which end of the handshake connections made from this configuration play.
    public var role: Role

    /// PEM file with our certificate, followed by any intermediates. Required for servers; optional for clients.
    public var certificateChainPath: String?

    /// PEM file with the private key (ECDSA P-256 or RSA) for ``certificateChainPath``.
    public var privateKeyPath: String?

    /// PEM file of CA certificates we trust to sign the peer's certificate. For clients, `nil` means the
    /// system's default trust store. Servers need it unless ``clientAuthentication`` is `.off`.
    public var trustRootsPath: String?

    /// PEM file with certificate revocation lists; when set, the peer's certificate is checked against them.
    public var crlPath: String?

    /// Whether a server asks clients for certificates. Ignored by clients. Default `.off`.
    public var clientAuthentication: ClientAuthentication

    /// The oldest protocol version accepted. Default TLS 1.2.
    public var minimumVersion: TLSVersion

    /// The newest protocol version offered. Default TLS 1.3.
    public var maximumVersion: TLSVersion

    /// How long a handshake may take before the connection is closed. Default 10 seconds.
    public var handshakeTimeout: Duration

    /// Servers: TLS 1.3 session tickets sent after each full handshake. Each costs the server some CPU (a session
    /// copy and its encryption); a client resuming one connection needs one. 0 turns ticket resumption off.
    /// Default 1 (OpenSSL's default is 2, for clients that open two connections at once).
    public var sessionTickets: Int = 1

    /// ALPN (RFC 7301). Servers: the protocols accepted, in order of preference; a client that offers none of them,
    /// or no ALPN at all, gets none (``TLSSessionInfo/applicationProtocol`` is nil). Clients: the protocols offered.
    /// Default none: no ALPN extension either way.
    public var applicationProtocols: [String] = []

    /// Servers: once a TLS 1.3 handshake is over, take the connection's record layer over from OpenSSL and free its
    /// `SSL` (``TLS13RecordLayer``, docs/TLS.md): about 13 KB less per connection. TLS 1.2 connections stay with
    /// OpenSSL. Default `false`; the chat server turns it on unless `--tls-handover off`.
    public var recordLayerHandover: Bool = false

    /// Servers with ``recordLayerHandover``: records protected under one key before the server updates it. Default
    /// 2^24; tests lower it to see key updates happen.
    public var handoverRecordsPerKey: UInt64 = TLS13CipherSuite.recordsPerKey

    /// Clients: keep the sessions the server sends (TLS 1.3 tickets) and offer each once, on a later connection made
    /// from the same ``TLSContext``, for an abbreviated handshake. Default `false`.
    public var resumesSessions: Bool = false

    /// Clients: the server's DNS name or IP address, sent as SNI (names only) and checked against the
    /// certificate when ``serverVerification`` is `.full`.
    public var serverHostname: String?

    /// Clients: whether the server's certificate must verify. Default `.full`.
    public var serverVerification: ServerVerification

    /// A configuration with every field spelled out; prefer the `server` and `client` factories.
    public init(
        role: Role,
        certificateChainPath: String? = nil,
        privateKeyPath: String? = nil,
        trustRootsPath: String? = nil,
        crlPath: String? = nil,
        clientAuthentication: ClientAuthentication = .off,
        minimumVersion: TLSVersion = .tls12,
        maximumVersion: TLSVersion = .tls13,
        handshakeTimeout: Duration = .seconds(10),
        serverHostname: String? = nil,
        serverVerification: ServerVerification = .full
    ) {
        self.role = role
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.trustRootsPath = trustRootsPath
        self.crlPath = crlPath
        self.clientAuthentication = clientAuthentication
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.handshakeTimeout = handshakeTimeout
        self.serverHostname = serverHostname
        self.serverVerification = serverVerification
    }

    /// A server configuration: our certificate and key, and the CA (plus optional CRL) for client certificates.
    public static func server(
        certificateChainPath: String,
        privateKeyPath: String,
        trustRootsPath: String? = nil,
        crlPath: String? = nil,
        clientAuthentication: ClientAuthentication = .off,
        minimumVersion: TLSVersion = .tls12,
        handshakeTimeout: Duration = .seconds(10)
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .server,
            certificateChainPath: certificateChainPath,
            privateKeyPath: privateKeyPath,
            trustRootsPath: trustRootsPath,
            crlPath: crlPath,
            clientAuthentication: clientAuthentication,
            minimumVersion: minimumVersion,
            handshakeTimeout: handshakeTimeout
        )
    }

    /// A client configuration: who we expect to reach, whom we trust, and an optional client certificate.
    public static func client(
        serverHostname: String?,
        trustRootsPath: String? = nil,
        serverVerification: ServerVerification = .full,
        certificateChainPath: String? = nil,
        privateKeyPath: String? = nil,
        minimumVersion: TLSVersion = .tls12,
        handshakeTimeout: Duration = .seconds(10)
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .client,
            certificateChainPath: certificateChainPath,
            privateKeyPath: privateKeyPath,
            trustRootsPath: trustRootsPath,
            minimumVersion: minimumVersion,
            handshakeTimeout: handshakeTimeout,
            serverHostname: serverHostname,
            serverVerification: serverVerification
        )
    }
}
