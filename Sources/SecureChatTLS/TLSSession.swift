internal import COpenSSL

/// A negotiated TLS session that a client can offer again to resume (abbreviated handshake). Owns its
/// `SSL_SESSION*` and frees it in `deinit`.
final class TLSSession: @unchecked Sendable {
    // @unchecked Sendable: the pointer is never changed; OpenSSL reference-counts and locks an SSL_SESSION, so one
    // may be offered (SSL_set_session takes its own reference) by connections on several threads.
    let session: OpaquePointer

    /// Takes ownership of `session` (for example from `SSL_get1_session`, which returns a new reference).
    init(takingOwnership session: OpaquePointer) {
        self.session = session
    }

    deinit {
        SSL_SESSION_free(session)
    }

    /// Whether a server could resume it (it has a session ID or a ticket and was not invalidated).
    var isResumable: Bool {
        SSL_SESSION_is_resumable(session) == 1
    }
}
