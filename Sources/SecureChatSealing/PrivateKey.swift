internal import COpenSSL

/// A private key read from a PEM file. Owns its `EVP_PKEY*`.
final class PrivateKey: @unchecked Sendable {
    // @unchecked: never changed after init; OpenSSL allows concurrent use of one key for signing and decryption.
    let key: OpaquePointer

    /// Reads an unencrypted PEM private key.
    init(pemFile path: String) throws(SealingError) {
        OpenSSLErrorQueueReasons.clear()
        guard let bio = BIO_new_file(path, "r") else { throw .openSSL("cannot read \(path)") }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw .openSSL("no private key in \(path)")
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }
}
