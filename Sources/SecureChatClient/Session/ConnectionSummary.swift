import ChatCore
import SecureChatTLS

/// The one line shown after a successful handshake: server, how it is trusted, TLS version, cipher, and whether a
/// client certificate was sent (only when the server asked for one).
enum ConnectionSummary {
    /// The line for `session`.
    static func line(configuration: ClientConfiguration, session: TLSSessionInfo, trust: ServerTrustNote) -> String {
        line(
            configuration: configuration,
            protocolVersion: session.protocolVersion,
            cipher: session.cipher,
            serverName: session.peer?.commonName,
            fingerprint: session.peer?.fingerprintSHA256,
            certificateRequested: session.certificateRequested,
            trust: trust
        )
    }

    /// The line from its parts.
    static func line(
        configuration: ClientConfiguration,
        protocolVersion: String,
        cipher: String,
        serverName: String?,
        fingerprint: String?,
        certificateRequested: Bool,
        trust: ServerTrustNote
    ) -> String {
        var server = configuration.address
        if let serverName {
            server += " (\(TextSanitizer.sanitize(serverName)))"
        }
        let certificate: String
        if let clientCertificate = configuration.clientCertificate {
            let file = lastComponent(clientCertificate.chainPath)
            certificate =
                certificateRequested
                ? "client certificate sent (\(file))"
                : "client certificate not sent: the server did not ask for one (\(file))"
        } else {
            certificate = "no client certificate"
        }
        var text = "connected to \(server), \(trust.words); \(protocolVersion), \(cipher); \(certificate)"
        if trust == .notVerified || trust == .acceptedOnFirstUse || trust == .knownHost, let fingerprint {
            text += "; SHA-256 fingerprint \(fingerprint)"
        }
        return text
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
