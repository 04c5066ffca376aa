internal import COpenSSL
import Synchronization

/// Clients that resume sessions (``TLSConfiguration/resumesSessions``): sessions the server gave connections of one
/// ``TLSContext``, each offered once by a later connection made from it.
///
/// OpenSSL hands each new session (a TLS 1.3 ticket, read after the handshake) to ``newSessionCallback``, which
/// keeps it here. A TLS 1.3 ticket is for one use (RFC 8446, appendix C.4), and OpenSSL's client marks a session it
/// resumed as used up, so each connection takes its own: the newest kept. The server sends a fresh ticket after
/// every handshake, resumed or not, so a client that keeps opening connections keeps having tickets; at most
/// ``capacity`` are kept, the oldest dropped first.
final class ClientSessionCache: Sendable {
    static let capacity = 256
    private let sessions = Mutex<[TLSSession]>([])

    /// Keeps `session` if a server could resume it.
    func keep(_ session: TLSSession) {
        guard session.isResumable else { return }
        sessions.withLock { sessions in
            if sessions.count == Self.capacity { sessions.removeFirst() }
            sessions.append(session)
        }
    }

    /// The newest session not offered yet, removed from the cache; `nil` when there is none.
    func take() -> TLSSession? {
        sessions.withLock { $0.popLast() }
    }

    /// How many sessions are waiting to be offered.
    var count: Int { sessions.withLock { $0.count } }

    /// Set on a client `SSL_CTX` (with `SSL_SESS_CACHE_CLIENT`): keeps the new session in its connection's cache.
    /// Returns 1 (we took OpenSSL's reference) or 0 (OpenSSL frees it).
    static let newSessionCallback: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32 = { ssl, session in
        guard let ssl, let session, let connection = TLSConnection.loadFromSSL(ssl),
            let cache = connection.sessionCache
        else {
            return 0
        }
        cache.keep(TLSSession(takingOwnership: session))
        return 1
    }
}
