internal import COpenSSL

extension TLSConnection {
    /// The session negotiated so far. A TLS 1.3 client has a resumable one only after reading the server's tickets.
    ///
    /// OpenSSL invalidates the session of a connection freed without close_notify (`SSL_free` treats it as
    /// possibly truncated), so only sessions of orderly closed connections stay resumable.
    func currentSession() -> TLSSession? {
        SSL_get1_session(ssl).map { TLSSession(takingOwnership: $0) }
    }

    /// Clients: offers `session` for resumption. Call before the first handshake step.
    func offer(_ session: TLSSession) -> Bool {
        SSL_set_session(ssl, session.session) == 1
    }

    /// Whether the handshake resumed an earlier session.
    var sessionWasReused: Bool {
        SSL_session_reused(ssl) == 1
    }
}
