/// A failed TLS handshake (or a TLS alert right after it) in words a user can act on, instead of OpenSSL's
/// error queue. Built from what ``TLSError`` exposes: OpenSSL's certificate verify result ("certificate has
/// expired") and the reasons in its detail ("tlsv13 alert certificate required").
struct HandshakeFailureDescription: Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, as far as the client can tell.
    enum Reason: Equatable, Sendable {
        /// The server's certificate is signed by a certificate authority we do not trust.
        case unknownAuthority
        /// The server's certificate signs itself and is not one we trust.
        case selfSigned
        /// The server's certificate has expired.
        case expired
        /// The server's certificate is not valid yet.
        case notYetValid
        /// The server's certificate is for another name or address.
        case hostnameMismatch
        /// The server's certificate has been revoked.
        case revoked
        /// The server's certificate is not meant for TLS servers, or its signature is broken.
        case badServerCertificate
        /// The server asked for a client certificate and we sent none.
        case clientCertificateRequired
        /// The server refused our client certificate (unknown CA, revoked, expired, or otherwise bad).
        case clientCertificateRejected(String)
        /// The other end does not speak TLS.
        case notTLS
        /// No protocol version or cipher both sides accept.
        case noCommonProtocol
        /// The server answered with a handshake_failure alert (TLS 1.2 servers do this when a required client
        /// certificate is missing, and when no cipher is shared).
        case refusedByServer
        /// The server closed the connection in the middle of the handshake.
        case closedByServer
        /// The handshake took too long.
        case timeout
        /// Anything else: OpenSSL's reason, unchanged.
        case other(String)
    }

    /// Why the handshake failed.
    let reason: Reason

    /// Whether this failure is about who signed the server's certificate (an unknown CA or a self-signed
    /// certificate), the one case where trust on first use may ask the user instead of refusing.
    var isUnknownIssuer: Bool {
        reason == .unknownAuthority || reason == .selfSigned
    }

    /// Classifies a failure from OpenSSL's verify result (`verifyError`) and the error's text (`detail`).
    /// `isNotTLS` and `isTimeout` come from the ``TLSError`` kind.
    init(verifyError: String?, detail: String, isNotTLS: Bool = false, isTimeout: Bool = false) {
        if isTimeout {
            reason = .timeout
        } else if isNotTLS {
            reason = .notTLS
        } else if let verifyError, let verifyReason = Self.classify(verifyError: verifyError.lowercased()) {
            reason = verifyReason
        } else {
            reason = Self.classify(detail: detail.lowercased()) ?? .other(verifyError ?? detail)
        }
    }

    /// The reason in one sentence, without a trailing full stop.
    var description: String {
        switch reason {
        case .unknownAuthority:
            "the server's certificate is signed by an unknown certificate authority (not trusted)"
        case .selfSigned:
            "the server's certificate is self-signed and not trusted"
        case .expired:
            "the server's certificate has expired"
        case .notYetValid:
            "the server's certificate is not valid yet (check the clock)"
        case .hostnameMismatch:
            "the server's certificate is for a different host name (host name mismatch)"
        case .revoked:
            "the server's certificate has been revoked"
        case .badServerCertificate:
            "the server's certificate is not valid for a TLS server"
        case .clientCertificateRequired:
            "the server requires a client certificate (use --cert and --key)"
        case .clientCertificateRejected(let why):
            "the server refused our client certificate (\(why))"
        case .notTLS:
            "the server is not speaking TLS (wrong port?)"
        case .noCommonProtocol:
            "the server and the client have no TLS version or cipher in common"
        case .refusedByServer:
            "the server refused the handshake (it may require a client certificate: use --cert and --key)"
        case .closedByServer:
            "the server closed the connection during the TLS handshake"
        case .timeout:
            "the TLS handshake timed out"
        case .other(let text):
            text.isEmpty ? "the TLS handshake failed" : text
        }
    }

    private static func classify(verifyError: String) -> Reason? {
        if verifyError.contains("self-signed certificate in certificate chain")
            || verifyError.contains("self signed certificate in certificate chain")
            || verifyError.contains("unable to get local issuer")
            || verifyError.contains("unable to get issuer")
            || verifyError.contains("unable to verify the first certificate")
        {
            return .unknownAuthority
        }
        if verifyError.contains("self-signed") || verifyError.contains("self signed") {
            return .selfSigned
        }
        if verifyError.contains("expired") {
            return .expired
        }
        if verifyError.contains("not yet valid") {
            return .notYetValid
        }
        if verifyError.contains("hostname mismatch") || verifyError.contains("ip address mismatch")
            || verifyError.contains("email address mismatch")
        {
            return .hostnameMismatch
        }
        if verifyError.contains("revoked") {
            return .revoked
        }
        if verifyError.contains("unsupported certificate purpose") || verifyError.contains("signature failure")
            || verifyError.contains("invalid ca certificate")
        {
            return .badServerCertificate
        }
        return nil
    }

    private static func classify(detail: String) -> Reason? {
        let rejections: [(String, String)] = [
            ("alert unknown ca", "its certificate authority is unknown to the server"),
            ("alert certificate revoked", "it has been revoked"),
            ("alert certificate expired", "it has expired"),
            ("alert bad certificate", "it is not acceptable"),
            ("alert unsupported certificate", "it is not acceptable"),
            ("alert certificate unknown", "it could not be verified"),
            ("alert access denied", "access denied"),
            ("alert decrypt error", "its signature did not verify"),
        ]
        if detail.contains("certificate required") || detail.contains("peer did not return a certificate") {
            return .clientCertificateRequired
        }
        if let (_, why) = rejections.first(where: { detail.contains($0.0) }) {
            return .clientCertificateRejected(why)
        }
        if detail.contains("wrong version number") || detail.contains("not speaking tls")
            || detail.contains("http request") || detail.contains("unknown protocol")
            || detail.contains("packet length too long") || detail.contains("record length mismatch")
        {
            return .notTLS
        }
        if detail.contains("protocol version") || detail.contains("no shared cipher")
            || detail.contains("unsupported protocol") || detail.contains("no protocols available")
        {
            return .noCommonProtocol
        }
        if detail.contains("alert handshake failure") {
            return .refusedByServer
        }
        if detail.contains("unexpected eof") || detail.contains("without a tls close_notify")
            || detail.contains("connection is closed") || detail.contains("connection reset")
        {
            return .closedByServer
        }
        if detail.contains("timed out") {
            return .timeout
        }
        return nil
    }
}
