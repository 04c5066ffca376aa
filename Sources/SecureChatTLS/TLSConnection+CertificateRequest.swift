internal import COpenSSL

/// Clients: OpenSSL calls this only when the server sent a CertificateRequest (and calls it even when a certificate
/// is already loaded), so it tells whether our certificate was asked for at all.
private func certificateRequestCallback(ssl: OpaquePointer?, argument: UnsafeMutableRawPointer?) -> Int32 {
    if let ssl, let connection = TLSConnection.loadFromSSL(ssl) {
        connection.certificateRequested = true
    }
    return 1  // keep the certificate as configured
}

extension TLSConnection {
    /// Clients: records in ``certificateRequested`` whether the server asks for a client certificate.
    func watchCertificateRequest() {
        SSL_set_cert_cb(ssl, { certificateRequestCallback(ssl: $0, argument: $1) }, nil)
    }
}
