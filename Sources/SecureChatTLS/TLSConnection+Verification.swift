internal import COpenSSL

/// The `SSL` ex_data slot holding an unretained pointer back to the owning ``TLSConnection``.
private let connectionExDataIndex: Int32 = shim_SSL_get_ex_new_index()

/// Records the first certificate OpenSSL refuses, then keeps OpenSSL's decision unchanged.
private func verifyCallback(preverifyOK: Int32, storeContext: OpaquePointer?) -> Int32 {
    guard preverifyOK == 0, let storeContext,
        let sslPointer = X509_STORE_CTX_get_ex_data(storeContext, SSL_get_ex_data_X509_STORE_CTX_idx())
    else {
        return preverifyOK
    }
    guard let connection = TLSConnection.loadFromSSL(OpaquePointer(sslPointer)) else {
        return preverifyOK  // close() was called: nobody is listening any more.
    }
    if connection.verifyFailure == nil {
        let code = X509_STORE_CTX_get_error(storeContext)
        let certificate = X509_STORE_CTX_get_current_cert(storeContext)
        connection.verifyFailure = CertificateVerifyFailure(
            code: code,
            reason: String(cString: X509_verify_cert_error_string(Int(code))),
            depth: X509_STORE_CTX_get_error_depth(storeContext),
            commonName: certificate.flatMap { PeerCertificate.commonName(of: $0) }
        )
    }
    return preverifyOK
}

extension TLSConnection {
    /// Stores an unretained back-pointer in the SSL's ex_data and installs the verify callback, keeping the
    /// verify mode the SSL_CTX set.
    func installVerifyCallback() {
        let stored = SSL_set_ex_data(ssl, connectionExDataIndex, Unmanaged.passUnretained(self).toOpaque())
        precondition(stored == 1, "SSL_set_ex_data failed")
        SSL_set_verify(ssl, SSL_get_verify_mode(ssl)) { verifyCallback(preverifyOK: $0, storeContext: $1) }
    }

    /// Removes the back-pointer, so a callback after ``close()`` finds nothing.
    func clearBackPointer() {
        SSL_set_ex_data(ssl, connectionExDataIndex, nil)
    }

    /// The connection that owns `ssl`, or `nil` once it has been closed.
    static func loadFromSSL(_ ssl: OpaquePointer) -> TLSConnection? {
        guard let pointer = SSL_get_ex_data(ssl, connectionExDataIndex) else {
            return nil
        }
        let connection = Unmanaged<TLSConnection>.fromOpaque(pointer).takeUnretainedValue()
        precondition(connection.ssl == ssl, "SSL ex_data points at another connection")
        return connection
    }

    /// Clients: checks the server certificate against `hostname` (a DNS name or an IP address) and sends SNI for
    /// names (RFC 6066 forbids IP addresses in SNI).
    func expectServer(hostname: String) throws {
        OpenSSLErrorQueue.clear()
        if let address = a2i_IPADDRESS(hostname) {
            ASN1_OCTET_STRING_free(address)
            if X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), hostname) != 1 {
                throw TLSError.drainingErrorQueue(.invalidConfiguration, context: "cannot check IP \(hostname)")
            }
            return
        }
        OpenSSLErrorQueue.clear()  // a2i_IPADDRESS leaves an error for names
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        guard SSL_set1_host(ssl, hostname) == 1, shim_SSL_set_tlsext_host_name(ssl, hostname) == 1 else {
            throw TLSError.drainingErrorQueue(.invalidConfiguration, context: "cannot use host name \(hostname)")
        }
    }

    /// What was negotiated and who the peer is. Call after the handshake completed.
    func sessionInfo() -> TLSSessionInfo {
        let version = String(cString: SSL_get_version(ssl))
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) }
        var peer: PeerIdentity?
        if let certificatePointer = SSL_get1_peer_certificate(ssl) {
            let certificate = PeerCertificate(takingOwnership: certificatePointer)
            let verifyResult = SSL_get_verify_result(ssl)
            let verifyError =
                verifyResult == X509_V_OK ? nil : String(cString: X509_verify_cert_error_string(verifyResult))
            peer = certificate.identity(verified: verifyResult == X509_V_OK, verifyError: verifyError)
        }
        return TLSSessionInfo(
            protocolVersion: version,
            cipher: cipher ?? "unknown",
            peer: peer,
            resumed: sessionWasReused,
            certificateRequested: certificateRequested,
            applicationProtocol: negotiatedApplicationProtocol
        )
    }

    /// The protocol ALPN settled on, if any.
    private var negotiatedApplicationProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }
}
