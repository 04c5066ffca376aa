public import Foundation

/// Who the peer is, according to the certificate it presented during the handshake.
public struct PeerIdentity: Sendable, Hashable {
    /// Whether the certificate chain verified against our trust roots (and CRL, and the expected host name for
    /// clients). Always `true` on a server that accepted the handshake; a client with `serverVerification: .none`
    /// may see `false`.
    public var verified: Bool

    /// Why verification failed, in OpenSSL's words ("self-signed certificate"), or `nil` when it succeeded.
    public var verifyError: String?

    /// The subject common name (UTF-8), if the certificate has one.
    public var commonName: String?

    /// SHA-256 of the certificate (DER) as colon-separated upper-case hex, like `openssl x509 -fingerprint -sha256`.
    public var fingerprintSHA256: String

    /// The serial number in upper-case hex.
    public var serialNumber: String

    /// When the certificate expires.
    public var notAfter: Date?

    /// The certificate itself (DER): a server keeps a certificate user's latest, for others to seal messages to.
    public var der: [UInt8]

    /// A peer identity with every field given.
    public init(
        verified: Bool,
        verifyError: String? = nil,
        commonName: String?,
        fingerprintSHA256: String,
        serialNumber: String,
        notAfter: Date?,
        der: [UInt8] = []
    ) {
        self.der = der
        self.verified = verified
        self.verifyError = verifyError
        self.commonName = commonName
        self.fingerprintSHA256 = fingerprintSHA256
        self.serialNumber = serialNumber
        self.notAfter = notAfter
    }
}
