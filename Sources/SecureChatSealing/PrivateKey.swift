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
        // No password callback of OpenSSL's own, which would ask on the terminal behind the client's back.
        guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil) else {
            throw .openSSL("no private key in \(path) (a key protected by a password is not supported)")
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }
}
