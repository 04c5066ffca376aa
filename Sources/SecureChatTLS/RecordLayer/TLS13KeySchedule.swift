internal import COpenSSL

/// The part of TLS 1.3's key schedule that runs after the handshake (RFC 8446, 7.1–7.3): a traffic secret's key and
/// IV, and the next generation of a secret for a key update. All of it is `HKDF-Expand-Label`, done by OpenSSL's
/// `TLS13-KDF` (the code OpenSSL's own record layer uses), never by ours.
enum TLS13KeySchedule {
    /// Fetched once: an `EVP_KDF` is immutable and may be shared between threads.
    nonisolated(unsafe) private static let kdf: OpaquePointer? = EVP_KDF_fetch(nil, "TLS13-KDF", nil)

    /// The write key of `secret` (`HKDF-Expand-Label(secret, "key", "", key_length)`).
    static func key(from secret: [UInt8], suite: TLS13CipherSuite) throws(TLSError) -> [UInt8] {
        try expandLabel(secret: secret, label: "key", length: suite.keyLength, suite: suite)
    }

    /// The write IV of `secret` (`HKDF-Expand-Label(secret, "iv", "", iv_length)`).
    static func iv(from secret: [UInt8], suite: TLS13CipherSuite) throws(TLSError) -> [UInt8] {
        try expandLabel(secret: secret, label: "iv", length: TLS13CipherSuite.ivLength, suite: suite)
    }

    /// The secret after a key update (`HKDF-Expand-Label(secret, "traffic upd", "", Hash.length)`, RFC 8446, 7.2).
    static func nextSecret(after secret: [UInt8], suite: TLS13CipherSuite) throws(TLSError) -> [UInt8] {
        try expandLabel(secret: secret, label: "traffic upd", length: suite.hashLength, suite: suite)
    }

    /// `HKDF-Expand-Label(secret, label, "", length)` with the suite's hash.
    static func expandLabel(
        secret: [UInt8],
        label: String,
        length: Int,
        suite: TLS13CipherSuite
    ) throws(TLSError) -> [UInt8] {
        guard let kdf, let context = EVP_KDF_CTX_new(kdf) else {
            throw TLSError.drainingErrorQueue(.protocolFailure, context: "OpenSSL's TLS13-KDF is not available")
        }
        defer { EVP_KDF_CTX_free(context) }
        var mode = Int32(EVP_KDF_HKDF_MODE_EXPAND_ONLY)
        var digest = Array(suite.digestName.utf8CString)
        var secret = secret
        var prefix = Array("tls13 ".utf8)
        var labelBytes = Array(label.utf8)
        var output = [UInt8](repeating: 0, count: length)
        let derived = digest.withUnsafeMutableBufferPointer { digest in
            secret.withUnsafeMutableBytes { secret in
                prefix.withUnsafeMutableBytes { prefix in
                    labelBytes.withUnsafeMutableBytes { labelBytes in
                        let parameters = [
                            OSSL_PARAM_construct_int(Self.name("mode"), &mode),
                            OSSL_PARAM_construct_utf8_string(Self.name("digest"), digest.baseAddress, 0),
                            OSSL_PARAM_construct_octet_string(Self.name("key"), secret.baseAddress, secret.count),
                            OSSL_PARAM_construct_octet_string(Self.name("prefix"), prefix.baseAddress, prefix.count),
                            OSSL_PARAM_construct_octet_string(
                                Self.name("label"),
                                labelBytes.baseAddress,
                                labelBytes.count
                            ),
                            OSSL_PARAM_construct_end(),
                        ]
                        return output.withUnsafeMutableBufferPointer { output in
                            EVP_KDF_derive(context, output.baseAddress, output.count, parameters)
                        }
                    }
                }
            }
        }
        guard derived == 1 else {
            throw TLSError.drainingErrorQueue(.protocolFailure, context: "TLS13-KDF failed for \(label)")
        }
        return output
    }

    /// An `OSSL_PARAM` key: OpenSSL keeps the pointer in the parameter, so it must outlive the call; a
    /// `StaticString`'s bytes live as long as the program.
    private static func name(_ key: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(key.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
