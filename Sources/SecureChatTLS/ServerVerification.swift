/// How a TLS client treats the server's certificate.
public enum ServerVerification: String, Sendable, CaseIterable {
    /// The chain must verify against the trust roots and match the server host name or IP address.
    case full
    /// The handshake succeeds whatever the certificate; the result of verification and the certificate's
    /// fingerprint are reported in ``PeerIdentity`` (for trust-on-first-use and `--insecure`).
    case none
}
