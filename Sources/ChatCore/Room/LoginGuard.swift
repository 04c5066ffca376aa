/// Counts wrong passwords per name and locks a name for a while after too many, across all connections.
///
/// Pure: the caller passes the current time (seconds on any monotonic scale) with every event.
public struct LoginGuard: Sendable {
    /// Wrong passwords in a row that lock a name.
    public let maximumFailures: Int
    /// How long a locked name stays locked, in seconds.
    public let lockDuration: Double

    private var failures: [String: Int] = [:]
    private var lockedUntil: [String: Double] = [:]

    /// A guard that locks a name for `lockDuration` seconds after `maximumFailures` wrong passwords.
    public init(maximumFailures: Int = 3, lockDuration: Double = 60) {
        self.maximumFailures = maximumFailures
        self.lockDuration = lockDuration
    }

    /// Seconds left on the lock of `key` at `now`, or nil when it is not locked.
    public func lockRemaining(_ key: String, now: Double) -> Double? {
        guard let until = lockedUntil[key], until > now else { return nil }
        return until - now
    }

    /// Records a wrong password for `key`; returns the lock's length when this failure locked the name.
    public mutating func recordFailure(_ key: String, now: Double) -> Double? {
        if let until = lockedUntil[key], until <= now {
            lockedUntil[key] = nil
        }
        let count = failures[key, default: 0] + 1
        guard count >= maximumFailures else {
            failures[key] = count
            return nil
        }
        failures[key] = nil
        lockedUntil[key] = now + lockDuration
        return lockDuration
    }

    /// Forgets the failures of `key` after a correct password.
    public mutating func recordSuccess(_ key: String) {
        failures[key] = nil
        lockedUntil[key] = nil
    }

    /// Wrong passwords recorded for `key` since its last success or lock.
    public func failureCount(_ key: String) -> Int {
        failures[key, default: 0]
    }
}
