import ChatCore
import Synchronization

/// Hands out connection numbers from every event loop at once, on the node this server is now (a cluster node's
/// number can change when it joins again).
final class ConnectionIDSource: Sendable {
    private let last = Mutex(0)
    private let node: @Sendable () -> UInt16

    init(node: @escaping @Sendable () -> UInt16 = { 0 }) {
        self.node = node
    }

    /// The next unused connection id.
    func next() -> ConnectionID {
        ConnectionID(
            node: node(),
            number: last.withLock { last in
                last += 1
                return last
            }
        )
    }
}
