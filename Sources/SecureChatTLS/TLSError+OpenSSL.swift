internal import COpenSSL

extension TLSError {
    /// An error of kind `code` whose detail is `context` plus the reasons on OpenSSL's error queue (drained).
    static func drainingErrorQueue(_ code: Code, context: String) -> TLSError {
        let entries = OpenSSLErrorQueue.drain()
        let reasons = entries.map(\.reasonText).uniqued().joined(separator: "; ")
        let detail = reasons.isEmpty ? context : context + ": " + reasons
        return TLSError(code, detail: detail, openSSLErrors: entries.map(\.line))
    }

    /// Turns a failed handshake into words: the OpenSSL reasons, the certificate verify result when the peer's
    /// certificate was refused, and `notTLS` when the peer's bytes were not TLS records at all.
    static func handshakeFailure(
        entries: [OpenSSLErrorEntry],
        verifyFailure: CertificateVerifyFailure?
    ) -> TLSError {
        let reasonCodes = Set(entries.filter { $0.library == ERR_LIB_SSL }.map(\.reason))
        var reasons = entries.map(\.reasonText).uniqued()
        if reasons.isEmpty {
            reasons = ["connection failed without an OpenSSL reason"]
        }
        var detail = reasons.joined(separator: "; ")
        if reasonCodes.contains(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
            detail += " (client certificate required)"
        }
        if !reasonCodes.isDisjoint(with: notTLSReasons) {
            return TLSError(
                .notTLS,
                detail: detail + " (the first bytes were not a TLS ClientHello/ServerHello)",
                openSSLErrors: entries.map(\.line)
            )
        }
        var verifyError: String?
        if let verifyFailure, reasonCodes.contains(SSL_R_CERTIFICATE_VERIFY_FAILED) {
            verifyError = verifyFailure.reason
            detail += ": " + verifyFailure.description
        }
        return TLSError(.handshakeFailed, detail: detail, openSSLErrors: entries.map(\.line), verifyError: verifyError)
    }

    private static let notTLSReasons: Set<Int32> = [
        SSL_R_WRONG_VERSION_NUMBER,
        SSL_R_HTTP_REQUEST,
        SSL_R_HTTPS_PROXY_REQUEST,
        SSL_R_UNKNOWN_PROTOCOL,
        SSL_R_PACKET_LENGTH_TOO_LONG,
        SSL_R_RECORD_LENGTH_MISMATCH,
    ]
}

extension Sequence where Element: Hashable {
    /// The elements in order, without repeats.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
