import Logging
import SecureChatTLS
import Synchronization

/// The TLS context new connections use; SIGHUP replaces it after validating the new files.
final class TLSContextHolder: Sendable {
    private let current: Mutex<TLSContext>

    init(_ context: TLSContext) {
        current = Mutex(context)
    }

    /// The context for the next handshake.
    var context: TLSContext {
        current.withLock { $0 }
    }

    /// Re-reads certificate, key, CA and CRL; on any error keeps the old context and throws why.
    func reload(_ configuration: TLSConfiguration) throws -> TLSContext {
        let fresh = try TLSContext(configuration: configuration)
        current.withLock { $0 = fresh }
        return fresh
    }
}
