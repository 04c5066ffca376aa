/// An error from the TLS layer: configuration problems found while building a ``TLSContext``, and failures of a
/// connection (handshake, verification, truncation, timeouts).
///
/// Compare errors by kind with `==` against the static constants (`error == .handshakeFailed`); the text of the
/// error (``description``) explains in words what went wrong and includes OpenSSL's own reasons.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: String, Hashable, Sendable {
        case fileNotFound = "file not found"
        case unreadableFile = "file is not readable"
        case invalidCertificate = "invalid certificate"
        case invalidPrivateKey = "invalid private key"
        case keyMismatch = "private key does not match the certificate"
        case invalidCRL = "invalid certificate revocation list"
        case invalidConfiguration = "invalid TLS configuration"
        case handshakeFailed = "TLS handshake failed"
        case handshakeTimeout = "TLS handshake timed out"
        case notTLS = "peer is not speaking TLS"
        case uncleanShutdown = "peer closed the connection without a TLS close_notify (possible truncation)"
        case protocolFailure = "TLS protocol error"
        case writeBufferFull = "too much data buffered before the TLS handshake completed"
        case channelClosed = "TLS connection is closed"
    }

    let code: Code

    /// Extra words about this occurrence, for example the file path or OpenSSL's reason ("no shared cipher").
    public let detail: String

    /// The OpenSSL error queue at the time of the failure, one entry per line as OpenSSL prints it.
    public let openSSLErrors: [String]

    /// For certificate verification failures: OpenSSL's verify result in words ("certificate has expired").
    public let verifyError: String?

    init(_ code: Code, detail: String = "", openSSLErrors: [String] = [], verifyError: String? = nil) {
        self.code = code
        self.detail = detail
        self.openSSLErrors = openSSLErrors
        self.verifyError = verifyError
    }

    /// A certificate, key, CA or CRL file does not exist.
    public static let fileNotFound = TLSError(.fileNotFound)
    /// A certificate, key, CA or CRL file exists but cannot be read.
    public static let unreadableFile = TLSError(.unreadableFile)
    /// A certificate or CA file cannot be parsed as PEM certificates.
    public static let invalidCertificate = TLSError(.invalidCertificate)
    /// A private key file cannot be parsed.
    public static let invalidPrivateKey = TLSError(.invalidPrivateKey)
    /// The private key does not belong to the certificate.
    public static let keyMismatch = TLSError(.keyMismatch)
    /// The CRL file cannot be parsed.
    public static let invalidCRL = TLSError(.invalidCRL)
    /// The configuration is inconsistent (for example client authentication without a CA file).
    public static let invalidConfiguration = TLSError(.invalidConfiguration)
    /// The handshake failed; ``description`` says why.
    public static let handshakeFailed = TLSError(.handshakeFailed)
    /// The handshake did not finish within the configured time.
    public static let handshakeTimeout = TLSError(.handshakeTimeout)
    /// The peer sent bytes that are not a TLS record (for example plain text or HTTP).
    public static let notTLS = TLSError(.notTLS)
    /// The peer closed the TCP connection without sending a TLS close_notify alert.
    public static let uncleanShutdown = TLSError(.uncleanShutdown)
    /// The peer broke the TLS protocol after the handshake.
    public static let protocolFailure = TLSError(.protocolFailure)
    /// A write was refused because too much plaintext is waiting for the handshake.
    public static let writeBufferFull = TLSError(.writeBufferFull)
    /// A write was refused because the TLS connection is closing or closed.
    public static let channelClosed = TLSError(.channelClosed)

    /// One line: what went wrong, then the details.
    /// A short, stable name of the kind of failure, for counting (a metrics label): `certificate-rejected` for a
    /// certificate that failed verification, else the kind: `handshake-failed`, `handshake-timeout`, `not-tls`, ….
    public var kind: String {
        if verifyError != nil { return "certificate-rejected" }
        switch code {
        case .fileNotFound: return "file-not-found"
        case .unreadableFile: return "unreadable-file"
        case .invalidCertificate: return "invalid-certificate"
        case .invalidPrivateKey: return "invalid-private-key"
        case .keyMismatch: return "key-mismatch"
        case .invalidCRL: return "invalid-crl"
        case .invalidConfiguration: return "invalid-configuration"
        case .handshakeFailed: return "handshake-failed"
        case .handshakeTimeout: return "handshake-timeout"
        case .notTLS: return "not-tls"
        case .uncleanShutdown: return "unclean-shutdown"
        case .protocolFailure: return "protocol-failure"
        case .writeBufferFull: return "write-buffer-full"
        case .channelClosed: return "channel-closed"
        }
    }

    /// The ``kind``s a failed handshake can have.
    public static let handshakeFailureKinds = [
        "certificate-rejected", "handshake-failed", "handshake-timeout", "not-tls", "unclean-shutdown",
        "protocol-failure", "write-buffer-full",
    ]

    public var description: String {
        var text = code.rawValue
        if !detail.isEmpty {
            text += ": " + detail
        }
        if let verifyError, !text.contains(verifyError) {
            text += " (" + verifyError + ")"
        }
        return text
    }

    /// Errors are equal when they are of the same kind, whatever their details.
    public static func == (lhs: TLSError, rhs: TLSError) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the kind only, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}
