internal import COpenSSL

/// A configured OpenSSL `SSL_CTX`: certificates, trust roots, protocol versions and cipher policy, shared by every
/// connection made from one ``TLSConfiguration``.
///
/// Build one at start-up; configuration problems (a missing file, a key that does not match the certificate, an
/// unparsable CA or CRL) throw a ``TLSError`` with a one-line message. Then give it to each ``TLSHandler``.
///
/// Policy: TLS 1.2 and 1.3 only; TLS 1.2 uses the Mozilla "intermediate" ECDHE + AEAD suites (no CBC, no DHE); key
/// exchange groups X25519, P-256 and P-384; no compression, no renegotiation; TLS 1.3 session tickets on (one per full handshake by default).
public final class TLSContext: @unchecked Sendable {
    // @unchecked Sendable: every stored property is a `let`. The SSL_CTX is fully configured inside `init`, before
    // the context can be shared, and is never changed afterwards; OpenSSL documents a configured SSL_CTX as safe to
    // use from many threads at once (SSL_new only takes references and locks internally).

    /// The configuration this context was built from.
    public let configuration: TLSConfiguration

    let sslContext: OpaquePointer
    /// Clients with ``TLSConfiguration/resumesSessions``: the session the next connection offers.
    let sessionCache: ClientSessionCache?

    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
    static let tls13Ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    static let groups = "X25519:P-256:P-384"
    static let sessionIDContext = Array("SecureChat".utf8)

    /// Reads the files named in `configuration` and builds the OpenSSL context.
    ///
    /// - Throws: ``TLSError`` (`fileNotFound`, `unreadableFile`, `invalidCertificate`, `invalidPrivateKey`,
    ///   `keyMismatch`, `invalidCRL`, `invalidConfiguration`) naming the file and OpenSSL's reason.
    public init(configuration: TLSConfiguration) throws {
        try Self.validate(configuration)
        OpenSSLErrorQueue.clear()
        guard let sslContext = SSL_CTX_new(TLS_method()) else {
            throw TLSError.drainingErrorQueue(.invalidConfiguration, context: "SSL_CTX_new failed")
        }
        do {
            try Self.applyProtocolPolicy(to: sslContext, configuration: configuration)
            try Self.loadFiles(into: sslContext, configuration: configuration)
            Self.applyVerification(to: sslContext, configuration: configuration)
            try Self.applyApplicationProtocols(to: sslContext, configuration: configuration)
        } catch {
            SSL_CTX_free(sslContext)
            throw error
        }
        if configuration.role == .server, configuration.recordLayerHandover {
            SSL_CTX_set_keylog_callback(sslContext, TLSConnection.keyLogCallback)
            SSL_CTX_set_msg_callback(sslContext, TLSConnection.messageCallback)
        }
        if configuration.role == .client, configuration.resumesSessions {
            // Without the client cache mode OpenSSL does not hand clients their new sessions.
            shim_SSL_CTX_set_session_cache_mode(
                sslContext,
                Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)
            )
            SSL_CTX_sess_set_new_cb(sslContext, ClientSessionCache.newSessionCallback)
            self.sessionCache = ClientSessionCache()
        } else {
            self.sessionCache = nil
        }
        self.configuration = configuration
        self.sslContext = sslContext
    }

    deinit {
        SSL_CTX_free(sslContext)
    }

    /// Makes the OpenSSL state for one new connection: memory BIOs attached, accept or connect state set, and for
    /// clients SNI and the host name or IP address check.
    func makeConnection() throws -> TLSConnection {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(sslContext) else {
            throw TLSError.drainingErrorQueue(.invalidConfiguration, context: "SSL_new failed")
        }
        let connection = TLSConnection(takingOwnership: ssl, role: configuration.role)
        if configuration.role == .server, configuration.recordLayerHandover {
            connection.handoverWatch = TLS13HandoverWatch()
        }
        if configuration.role == .client, let hostname = configuration.serverHostname {
            try connection.expectServer(hostname: hostname)
        }
        if let sessionCache {
            connection.sessionCache = sessionCache
            if let session = sessionCache.take() {
                _ = connection.offer(session)  // a session OpenSSL refuses to offer just means a full handshake
            }
        }
        return connection
    }

    private static func validate(_ configuration: TLSConfiguration) throws {
        func invalid(_ detail: String) -> TLSError {
            TLSError(.invalidConfiguration, detail: detail)
        }
        if (configuration.certificateChainPath == nil) != (configuration.privateKeyPath == nil) {
            throw invalid("a certificate needs a private key and a private key needs a certificate")
        }
        if configuration.minimumVersion > configuration.maximumVersion {
            throw invalid("minimum version \(configuration.minimumVersion.rawValue) is newer than the maximum")
        }
        if configuration.handshakeTimeout <= .zero {
            throw invalid("the handshake timeout must be positive")
        }
        switch configuration.role {
        case .server:
            if configuration.certificateChainPath == nil {
                throw invalid("a TLS server needs a certificate chain and a private key")
            }
            if configuration.clientAuthentication != .off, configuration.trustRootsPath == nil {
                throw invalid("client authentication '\(configuration.clientAuthentication.rawValue)' needs a CA file")
            }
        case .client:
            break
        }
        if configuration.crlPath != nil, configuration.trustRootsPath == nil {
            throw invalid("a CRL needs a CA file")
        }
        if let problem = ApplicationProtocols.problem(with: configuration.applicationProtocols) {
            throw invalid(problem)
        }
    }

    private static func applyProtocolPolicy(to sslContext: OpaquePointer, configuration: TLSConfiguration) throws {
        func check(_ result: Int32, _ what: String) throws {
            if result != 1 {
                throw TLSError.drainingErrorQueue(.invalidConfiguration, context: what)
            }
        }
        try check(
            shim_SSL_CTX_set_min_proto_version(sslContext, configuration.minimumVersion.openSSLValue),
            "cannot set the minimum protocol version"
        )
        try check(
            shim_SSL_CTX_set_max_proto_version(sslContext, configuration.maximumVersion.openSSLValue),
            "cannot set the maximum protocol version"
        )
        SSL_CTX_set_options(sslContext, shim_SSL_OP_NO_COMPRESSION() | shim_SSL_OP_NO_RENEGOTIATION())
        try check(SSL_CTX_set_cipher_list(sslContext, tls12Ciphers), "cannot set the TLS 1.2 ciphers")
        try check(SSL_CTX_set_ciphersuites(sslContext, tls13Ciphersuites), "cannot set the TLS 1.3 cipher suites")
        try check(shim_SSL_CTX_set1_groups_list(sslContext, groups), "cannot set the key exchange groups")
        shim_SSL_CTX_set_mode(sslContext, shim_SSL_MODE_RELEASE_BUFFERS())
        // A session ID context lets TLS 1.2 sessions resume on a server that verifies client certificates.
        try check(
            SSL_CTX_set_session_id_context(sslContext, sessionIDContext, UInt32(sessionIDContext.count)),
            "cannot set the session ID context"
        )
        shim_SSL_CTX_set_session_cache_mode(sslContext, Int(SSL_SESS_CACHE_SERVER))
        // TLS 1.3 session tickets per full handshake (OpenSSL's default is two).
        try check(
            SSL_CTX_set_num_tickets(sslContext, Int(configuration.sessionTickets)),
            "cannot set the number of session tickets"
        )
    }

    private static func applyApplicationProtocols(to sslContext: OpaquePointer, configuration: TLSConfiguration) throws
    {
        let protocols = configuration.applicationProtocols
        guard !protocols.isEmpty else { return }
        switch configuration.role {
        case .server:
            SSL_CTX_set_alpn_select_cb(
                sslContext,
                ApplicationProtocols.select,
                ApplicationProtocols.block(for: protocols)
            )
        case .client:
            let wire = ApplicationProtocols.wire(protocols)
            // 0 is success here, unlike almost everywhere else in OpenSSL.
            guard SSL_CTX_set_alpn_protos(sslContext, wire, UInt32(wire.count)) == 0 else {
                throw TLSError.drainingErrorQueue(.invalidConfiguration, context: "cannot set the ALPN protocols")
            }
        }
    }

    private static func applyVerification(to sslContext: OpaquePointer, configuration: TLSConfiguration) {
        let mode: Int32
        switch configuration.role {
        case .server:
            switch configuration.clientAuthentication {
            case .off: mode = SSL_VERIFY_NONE
            case .optional: mode = SSL_VERIFY_PEER
            case .required: mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            }
        case .client:
            switch configuration.serverVerification {
            case .full: mode = SSL_VERIFY_PEER
            case .none: mode = SSL_VERIFY_NONE
            }
        }
        SSL_CTX_set_verify(sslContext, mode, nil)
    }
}

extension TLSVersion {
    var openSSLValue: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }
}
