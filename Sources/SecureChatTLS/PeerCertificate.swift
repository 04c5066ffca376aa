internal import COpenSSL
package import Foundation

/// The peer's X.509 certificate. Owns its `X509*` and frees it in `deinit`.
/// Its static helpers read certificates this class does not own; SecureChatSealing uses them too.
package final class PeerCertificate {
    private let x509: OpaquePointer

    /// Takes ownership of `x509` (for example from `SSL_get1_peer_certificate`, which returns a new reference).
    init(takingOwnership x509: OpaquePointer) {
        self.x509 = x509
    }

    deinit {
        X509_free(x509)
    }

    /// The subject's common name as UTF-8, or `nil` when the subject has none.
    var commonName: String? { Self.commonName(of: x509) }

    /// SHA-256 of the DER encoding as upper-case hex pairs joined by colons, as `openssl x509 -fingerprint` prints.
    var fingerprintSHA256: String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let succeeded = X509_digest(x509, EVP_sha256(), &digest, &length)
        precondition(succeeded == 1, "X509_digest failed")
        return digest.prefix(Int(length)).map { hexByte($0) }.joined(separator: ":")
    }

    /// The serial number in upper-case hex, as `openssl x509 -serial` prints it.
    var serialNumber: String {
        guard let bignum = ASN1_INTEGER_to_BN(X509_get_serialNumber(x509), nil) else {
            return ""
        }
        defer { BN_free(bignum) }
        guard let hex = BN_bn2hex(bignum) else {
            return ""
        }
        defer { shim_OPENSSL_free(hex) }
        return String(cString: hex)
    }

    /// The DER encoding.
    var der: [UInt8] { Self.der(of: x509) }

    /// The DER encoding of a certificate this class does not own.
    package static func der(of x509: OpaquePointer) -> [UInt8] {
        let length = i2d_X509(x509, nil)
        guard length > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_X509(x509, &cursor)
        }
        return bytes
    }

    /// The end of the validity period.
    var notAfter: Date? { Self.notAfter(of: x509) }

    /// The end of the validity period of a certificate this class does not own.
    package static func notAfter(of x509: OpaquePointer) -> Date? {
        let time: UnsafePointer<ASN1_TIME>? = X509_get0_notAfter(x509)
        return time.flatMap(Self.date(of:))
    }

    /// An ASN.1 time (of a certificate or a CRL) as a date.
    static func date(of time: UnsafePointer<ASN1_TIME>) -> Date? {
        guard let epoch = ASN1_TIME_set(nil, 0) else {
            return nil
        }
        defer { ASN1_STRING_free(epoch) }
        var days: Int32 = 0
        var seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, epoch, time) == 1 else {
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(days) * 86_400 + TimeInterval(seconds))
    }

    /// The Sendable summary published in ``TLSSessionInfo``.
    func identity(verified: Bool, verifyError: String?) -> PeerIdentity {
        PeerIdentity(
            verified: verified,
            verifyError: verifyError,
            commonName: commonName,
            fingerprintSHA256: fingerprintSHA256,
            serialNumber: serialNumber,
            notAfter: notAfter,
            der: der
        )
    }

    /// The subject common name of a certificate this class does not own (for example in a verify callback).
    ///
    /// `nil` if the subject has no CN, or more than one: software disagrees on which of several CNs names the
    /// subject (the first or the last), so a certificate with two names none.
    package static func commonName(of x509: OpaquePointer) -> String? {
        X509_get_subject_name(x509).flatMap(commonName(ofName:))
    }

    /// The single common name of an X.509 name (a subject or an issuer), as ``commonName(of:)`` decides it.
    static func commonName(ofName subject: OpaquePointer) -> String? {
        let index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)
        guard index >= 0, X509_NAME_get_index_by_NID(subject, NID_commonName, index) < 0,
            let entry = X509_NAME_get_entry(subject, index),
            let data = X509_NAME_ENTRY_get_data(entry)
        else {
            return nil
        }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else {
            return nil
        }
        defer { shim_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }
}

private func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
