import NIOCore

/// Notices the silent connections of one event loop with one repeating timer, instead of a timer per connection.
///
/// Every `interval` (a quarter of the idle timeout) the sweeper asks each watched handler whether it heard from its
/// peer since the last sweep; one that stayed silent for ``sweepsPerTimeout`` sweeps in a row acts on the timeout.
/// Silence is so acted on between one and one and a quarter timeouts after the last byte, which is what a keep-alive
/// needs, and an idle connection costs an entry in a dictionary instead of a scheduled task.
final class IdleSweeper: @unchecked Sendable {
    // @unchecked Sendable: `watched` and `timer` are touched only on `loop`; the rest is constant.

    /// Sweeps of silence that make one idle timeout.
    static let sweepsPerTimeout = 4

    let loop: any EventLoop
    let interval: TimeAmount
    private var watched: [ObjectIdentifier: SessionInputHandler] = [:]
    private var timer: RepeatedTask?

    init(loop: any EventLoop, timeout: TimeAmount) {
        self.loop = loop
        self.interval = .nanoseconds(max(timeout.nanoseconds / Int64(Self.sweepsPerTimeout), 1_000_000))
    }

    /// Starts sweeping `handler`. On `loop` only.
    func watch(_ handler: SessionInputHandler) {
        loop.preconditionInEventLoop()
        watched[ObjectIdentifier(handler)] = handler
        if timer == nil {
            timer = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
                self?.sweep()
            }
        }
    }

    /// Stops sweeping `handler`; the timer stops with the last one. On `loop` only.
    func unwatch(_ handler: SessionInputHandler) {
        loop.preconditionInEventLoop()
        guard watched.removeValue(forKey: ObjectIdentifier(handler)) != nil, watched.isEmpty else { return }
        timer?.cancel()
        timer = nil
    }

    private func sweep() {
        // A handler may close its connection (and unwatch itself) while being swept.
        for handler in Array(watched.values) {
            handler.sweep()
        }
    }
}

/// One ``IdleSweeper`` per event loop of a group, looked up by the loop.
struct IdleSweepers: Sendable {
    private let byLoop: [ObjectIdentifier: IdleSweeper]

    init(group: any EventLoopGroup, timeout: TimeAmount) {
        var byLoop: [ObjectIdentifier: IdleSweeper] = [:]
        for loop in group.makeIterator() {
            byLoop[ObjectIdentifier(loop)] = IdleSweeper(loop: loop, timeout: timeout)
        }
        self.byLoop = byLoop
    }

    /// The sweeper of `loop`, which must belong to the group.
    func sweeper(for loop: any EventLoop) -> IdleSweeper {
        guard let sweeper = byLoop[ObjectIdentifier(loop)] else {
            preconditionFailure("an event loop outside the server's group")
        }
        return sweeper
    }
}
