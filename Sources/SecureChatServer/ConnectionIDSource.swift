import ChatCore
import Synchronization

/// Hands out connection numbers from every event loop at once.
final class ConnectionIDSource: Sendable {
    private let last = Mutex(0)

    /// The next unused connection id.
    func next() -> ConnectionID {
        ConnectionID(
            last.withLock { last in
                last += 1
                return last
            }
        )
    }
}
