/// Whether a TLS server asks connecting clients for a certificate.
public enum ClientAuthentication: String, Sendable, CaseIterable {
    /// The server does not ask for a client certificate.
    case off
    /// The server asks for a certificate. A client may send none; a certificate it does send must verify against
    /// the CA file (and CRL), or the handshake fails.
    case optional
    /// The server requires a certificate that verifies against the CA file (and CRL).
    case required
}
