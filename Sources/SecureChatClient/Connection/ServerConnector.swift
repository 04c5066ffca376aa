import SecureChatTLS

/// Opens a connection according to the ``ServerTrustPolicy``: with `--ca` against that CA only; by default
/// against the system trust store, falling back to trust on first use (known_hosts) when the issuer is unknown;
/// with `--insecure` without verification.
struct ServerConnector: Sendable {
    /// Asks the user a yes/no question (the text ends with `[y/N] `); nil when nobody can be asked.
    typealias Ask = @Sendable (String) async -> Bool

    let configuration: ClientConfiguration
    var timeouts = ClientConnection.Timeouts()

    /// Connects, and says why the server is trusted.
    ///
    /// - Throws: ``ClientError``: `.handshakeFailed`, `.untrustedServer`, `.fingerprintChanged`, `.connectionFailed`,
    ///   `.configuration` or `.knownHostsFile`.
    func connect(
        ask: Ask?,
        deliver: @escaping @Sendable (ConnectionEvent) -> Void
    ) async throws -> (ClientConnection, ServerTrustNote) {
        switch configuration.trust {
        case .certificateAuthority(let path):
            let connection = try await open(trustRootsPath: path, verification: .full, deliver: deliver)
            return (connection, .verifiedByCertificateAuthority(path: path))
        case .insecure:
            let connection = try await open(trustRootsPath: nil, verification: .none, deliver: deliver)
            return (connection, .notVerified)
        case .systemThenKnownHosts(let knownHostsPath):
            do {
                let connection = try await open(trustRootsPath: nil, verification: .full, deliver: deliver)
                return (connection, .verifiedBySystemTrustStore)
            } catch let error as ClientError {
                guard let failure = error.handshakeFailure, failure.isUnknownIssuer else {
                    throw error
                }
                return try await trustOnFirstUse(
                    reason: failure.description,
                    knownHostsPath: knownHostsPath,
                    ask: ask,
                    deliver: deliver
                )
            }
        }
    }

    private func trustOnFirstUse(
        reason: String,
        knownHostsPath: String,
        ask: Ask?,
        deliver: @escaping @Sendable (ConnectionEvent) -> Void
    ) async throws -> (ClientConnection, ServerTrustNote) {
        let connection = try await open(trustRootsPath: nil, verification: .none, deliver: deliver)
        do {
            guard let fingerprint = connection.session.peer?.fingerprintSHA256 else {
                throw ClientError(.untrustedServer, detail: "the server presented no certificate")
            }
            var knownHosts = try KnownHosts.load(from: knownHostsPath)
            let decision = TrustOnFirstUse.decide(
                check: knownHosts.check(host: configuration.host, port: configuration.port, fingerprint: fingerprint),
                address: configuration.address,
                fingerprint: fingerprint,
                reason: reason,
                knownHostsPath: knownHostsPath,
                canAsk: ask != nil
            )
            switch decision {
            case .trust:
                return (connection, .knownHost)
            case .refuse(let error):
                throw error
            case .ask:
                let question = TrustOnFirstUse.question(
                    address: configuration.address,
                    fingerprint: fingerprint,
                    reason: reason
                )
                guard let ask, await ask(question) else {
                    throw ClientError(
                        .untrustedServer,
                        detail: "the certificate of \(configuration.address) was not accepted"
                    )
                }
                knownHosts.remember(host: configuration.host, port: configuration.port, fingerprint: fingerprint)
                try knownHosts.save(to: knownHostsPath)
                return (connection, .acceptedOnFirstUse)
            }
        } catch {
            await ClientConnection.closeAndWait(connection.channel)
            throw error
        }
    }

    private func open(
        trustRootsPath: String?,
        verification: ServerVerification,
        deliver: @escaping @Sendable (ConnectionEvent) -> Void
    ) async throws -> ClientConnection {
        try await ClientConnection.open(
            host: configuration.host,
            port: configuration.port,
            tls: configuration.tlsConfiguration(trustRootsPath: trustRootsPath, verification: verification),
            timeouts: timeouts,
            deliver: deliver
        )
    }
}
