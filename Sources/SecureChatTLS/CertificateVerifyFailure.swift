/// The first certificate OpenSSL refused while verifying the peer's chain, recorded by the verify callback.
struct CertificateVerifyFailure: Sendable, Hashable, CustomStringConvertible {
    /// OpenSSL's `X509_V_ERR_*` code.
    let code: Int32
    /// The code in words (`X509_verify_cert_error_string`), for example "certificate has expired".
    let reason: String
    /// Position in the chain: 0 is the peer's own certificate.
    let depth: Int32
    /// The subject common name of the refused certificate, if it has one.
    let commonName: String?

    var description: String {
        var text = reason + " (depth \(depth)"
        if let commonName {
            text += ", CN=\(commonName)"
        }
        return text + ")"
    }
}
