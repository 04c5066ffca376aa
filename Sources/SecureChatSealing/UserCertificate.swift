internal import COpenSSL
public import Foundation
import SecureChatTLS

/// A user's X.509 certificate, as a sealed message needs it: its name, its public key, and whether it may be used to
/// seal. Owns its `X509*`.
public final class UserCertificate: @unchecked Sendable {
    // @unchecked: the X509 is never changed after init; OpenSSL allows concurrent reads of one.
    let x509: OpaquePointer

    /// Takes ownership of `x509` (a new reference).
    init(takingOwnership x509: OpaquePointer) {
        self.x509 = x509
    }

    deinit {
        X509_free(x509)
    }

    /// Parses a DER-encoded certificate.
    public convenience init(der: [UInt8]) throws(SealingError) {
        OpenSSLErrorQueueReasons.clear()
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw .openSSL("not a DER-encoded certificate") }
        self.init(takingOwnership: parsed)
    }

    /// Reads the first certificate of a PEM file.
    public convenience init(pemFile path: String) throws(SealingError) {
        OpenSSLErrorQueueReasons.clear()
        guard let bio = BIO_new_file(path, "r") else { throw .openSSL("cannot read \(path)") }
        defer { BIO_free(bio) }
        guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else { throw .openSSL("no certificate in \(path)") }
        self.init(takingOwnership: x509)
    }

    /// The subject's single common name, or nil when it has none or several.
    public var commonName: String? { PeerCertificate.commonName(of: x509) }

    /// SHA-256 of the public key (its DER SubjectPublicKeyInfo), as lower-case hex: what a user is pinned by, so that
    /// a renewed certificate with the same key is the same user and a new key is flagged. The same as
    /// `openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum`.
    public var keyFingerprint: String {
        guard let publicKey = X509_get_X509_PUBKEY(x509) else { return "" }
        let length = i2d_X509_PUBKEY(publicKey, nil)
        guard length > 0 else { return "" }
        var spki = [UInt8](repeating: 0, count: Int(length))
        spki.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_X509_PUBKEY(publicKey, &cursor)
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        guard EVP_Digest(spki, spki.count, &digest, &digestLength, EVP_sha256(), nil) == 1 else { return "" }
        return digest.prefix(Int(digestLength)).map { String(format: "%02x", $0) }.joined()
    }

    /// The DER encoding.
    public var der: [UInt8] { PeerCertificate.der(of: x509) }

    /// Why this certificate cannot be used for sealed messages (to seal to, and to sign with), or nil: an elliptic
    /// curve key (ECDH is how a message is encrypted to it), key usage allowing key agreement and signatures, and
    /// extended key usage allowing e-mail protection (S/MIME, which `openssl cms -verify` checks).
    public var sealingProblem: String? {
        guard let key = X509_get0_pubkey(x509), EVP_PKEY_get_base_id(key) == EVP_PKEY_EC else {
            return "its key is not an elliptic-curve key, which sealed messages need"
        }
        let usage = X509_get_key_usage(x509)
        if usage & UInt32(KU_KEY_AGREEMENT) == 0 { return "its key usage does not allow key agreement" }
        if usage & UInt32(KU_DIGITAL_SIGNATURE) == 0 { return "its key usage does not allow signatures" }
        if X509_get_extended_key_usage(x509) & UInt32(XKU_SMIME) == 0 {
            return "its extended key usage does not allow e-mail protection (S/MIME)"
        }
        return nil
    }

    /// When the certificate stops being valid.
    public var notAfter: Date? {
        PeerCertificate.notAfter(of: x509)
    }
}
