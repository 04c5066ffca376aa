import NIOCore
import SecureChatTLS

extension HandshakeFailureDescription {
    /// Describes `error` from a connection's TLS handler; nil when it is not a TLS error.
    init?(error: any Error) {
        guard let tlsError = error as? TLSError else {
            return nil
        }
        self.init(
            verifyError: tlsError.verifyError,
            detail: tlsError.description,
            isNotTLS: tlsError == .notTLS,
            isTimeout: tlsError == .handshakeTimeout
        )
    }
}
