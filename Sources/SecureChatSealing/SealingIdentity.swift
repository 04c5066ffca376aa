internal import COpenSSL

/// The user's own certificate and private key (the client's `--cert` and `--key`): what signs the messages they seal
/// and opens the ones sealed to them.
public struct SealingIdentity: Sendable {
    /// The user's certificate; its CN is their name.
    public let certificate: UserCertificate
    let key: PrivateKey

    /// Reads the certificate (first of the PEM file) and its private key; throws when the key is not the
    /// certificate's.
    public init(certificateFile: String, keyFile: String) throws(SealingError) {
        certificate = try UserCertificate(pemFile: certificateFile)
        key = try PrivateKey(pemFile: keyFile)
        guard X509_check_private_key(certificate.x509, key.key) == 1 else {
            OpenSSLErrorQueueReasons.clear()
            throw SealingError("\(keyFile) is not the private key of \(certificateFile)")
        }
    }

    /// The name on the certificate.
    public var name: String? { certificate.commonName }
}
