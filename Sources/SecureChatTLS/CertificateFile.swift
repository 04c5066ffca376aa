internal import COpenSSL
public import Foundation

/// What the operator needs to know of each certificate in a PEM file: whose it is and when it expires.
public struct CertificateSummary: Sendable, Equatable {
    /// The subject's common name, or nil when it has none (or several).
    public let commonName: String?
    /// The end of the validity period.
    public let notAfter: Date?
}

/// Reads the certificates of PEM files for reports (the control socket's `status`), apart from the TLS context.
public enum CertificateFile {
    /// The certificates in `path`, in file order; empty when it cannot be read or holds none.
    public static func summaries(atPath path: String) -> [CertificateSummary] {
        guard let bio = BIO_new_file(path, "r") else {
            OpenSSLErrorQueue.clear()
            return []
        }
        defer { BIO_free(bio) }
        var summaries: [CertificateSummary] = []
        while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
            let certificate = PeerCertificate(takingOwnership: x509)
            summaries.append(CertificateSummary(commonName: certificate.commonName, notAfter: certificate.notAfter))
        }
        // The read that ends the loop leaves "no start line" on the queue.
        OpenSSLErrorQueue.clear()
        return summaries
    }
}
