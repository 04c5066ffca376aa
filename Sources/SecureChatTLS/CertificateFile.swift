internal import COpenSSL
public import Foundation

/// What the operator needs to know of each certificate in a PEM file: whose it is and when it expires.
public struct CertificateSummary: Sendable, Equatable {
    /// The subject's common name, or nil when it has none (or several).
    public let commonName: String?
    /// The end of the validity period.
    public let notAfter: Date?
}

/// What the operator needs to know of a revocation list: who issued it and when it must be replaced. Past its next
/// update OpenSSL refuses every certificate checked against it, so a stale CRL locks out every certificate user.
public struct CRLSummary: Sendable, Equatable {
    /// The issuer's common name.
    public let issuer: String?
    /// When the issuer said it would publish the next one; nil when the CRL does not say.
    public let nextUpdate: Date?
    /// How many certificates it revokes.
    public let revoked: Int
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

    /// The first CRL in `path`, or nil when it cannot be read.
    public static func crlSummary(atPath path: String) -> CRLSummary? {
        guard let bio = BIO_new_file(path, "r") else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { BIO_free(bio) }
        guard let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { X509_CRL_free(crl) }
        let issuer = X509_CRL_get_issuer(crl).flatMap { PeerCertificate.commonName(ofName: $0) }
        let revoked = X509_CRL_get_REVOKED(crl).map { Int(shim_sk_X509_REVOKED_num($0)) } ?? 0
        // NULL when the CRL names no next update.
        let nextUpdate: UnsafePointer<ASN1_TIME>? = X509_CRL_get0_nextUpdate(crl)
        return CRLSummary(
            issuer: issuer,
            nextUpdate: nextUpdate.flatMap(PeerCertificate.date(of:)),
            revoked: revoked
        )
    }
}
