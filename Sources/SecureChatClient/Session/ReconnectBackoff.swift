/// The waits between reconnection attempts: 1 s, 2 s, 4 s … doubling up to 30 s, back to 1 s after a login.
struct ReconnectBackoff: Equatable, Sendable {
    /// The first wait.
    let initial: Duration
    /// The longest wait.
    let maximum: Duration
    private var next: Duration

    init(initial: Duration = .seconds(1), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
        self.next = initial
    }

    /// The wait before the next attempt; each call doubles the one after it, up to ``maximum``.
    mutating func nextDelay() -> Duration {
        let delay = next
        next = min(next * 2, maximum)
        return delay
    }

    /// Starts again from ``initial`` (after a successful login).
    mutating func reset() {
        next = initial
    }
}
