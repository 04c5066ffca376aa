internal import COpenSSL

extension TLSContext {
    /// Whether a CRL loaded into this context revokes the certificate with `peer`'s serial number.
    ///
    /// Used after a reload to close sessions whose client certificate the new CRL revokes. A context without a CRL
    /// revokes nothing.
    public func isRevoked(_ peer: PeerIdentity) -> Bool {
        guard configuration.crlPath != nil, !peer.serialNumber.isEmpty else { return false }
        OpenSSLErrorQueue.clear()
        var bignum: OpaquePointer? = nil
        guard BN_hex2bn(&bignum, peer.serialNumber) > 0, let bignum else { return false }
        defer { BN_free(bignum) }
        guard let serial = BN_to_ASN1_INTEGER(bignum, nil) else { return false }
        defer { ASN1_INTEGER_free(serial) }
        guard let store = SSL_CTX_get_cert_store(sslContext), let objects = X509_STORE_get0_objects(store) else {
            return false
        }
        for index in 0..<shim_sk_X509_OBJECT_num(objects) {
            guard let object = shim_sk_X509_OBJECT_value(objects, index),
                X509_OBJECT_get_type(object) == X509_LU_CRL,
                let crl = X509_OBJECT_get0_X509_CRL(object)
            else { continue }
            var revoked: OpaquePointer? = nil
            if X509_CRL_get0_by_serial(crl, &revoked, serial) == 1 {
                return true
            }
        }
        OpenSSLErrorQueue.clear()
        return false
    }
}
