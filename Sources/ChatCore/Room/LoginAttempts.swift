/// The wrong passwords of one name from one source, with the name's shared budget: what ``LoginGuard`` decides on,
/// as one value, so that a store can keep it and change it atomically (``MessageStore/updateLoginAttempts``).
///
/// Times are seconds on the caller's scale: monotonic for the in-memory guard, since 1970 for what a store keeps
/// (a stored time must mean the same to every process that reads it).
public struct LoginAttempts: Sendable, Equatable {
    /// The pair's record.
    public struct Record: Sendable, Equatable {
        /// Wrong passwords in a row since the last lock or success.
        public var failures: Int
        /// Locks so far, for the doubling.
        public var locks: Int
        /// Locked until then (nothing is locked before the first lock).
        public var lockedUntil: Double
        public var lastFailure: Double

        public init(
            failures: Int = 0,
            locks: Int = 0,
            lockedUntil: Double = -.infinity,
            lastFailure: Double = -.infinity
        ) {
            self.failures = failures
            self.locks = locks
            self.lockedUntil = lockedUntil
            self.lastFailure = lastFailure
        }

        /// Not locked, and no wrong password for ``LoginGuard/Limits/forgetAfter``: it can be forgotten.
        public func isStale(limits: LoginGuard.Limits, now: Double) -> Bool {
            lockedUntil <= now && now - lastFailure >= limits.forgetAfter
        }
    }

    /// The name's budget of wrong passwords from all sources together, and when it was last drawn on.
    public struct Budget: Sendable, Equatable {
        public var bucket: TokenBucket
        public var lastFailure: Double

        public init(bucket: TokenBucket, lastFailure: Double) {
            self.bucket = bucket
            self.lastFailure = lastFailure
        }

        /// Filled up again: it can be forgotten (a new one starts full).
        public func isStale(limits: LoginGuard.Limits, now: Double) -> Bool {
            now - lastFailure >= limits.nameBurst * limits.nameRefillSeconds
        }
    }

    /// nil: no wrong password recorded from this source (or forgotten after a right one).
    public var record: Record?
    /// nil: the name's budget is full.
    public var budget: Budget?

    public init(record: Record? = nil, budget: Budget? = nil) {
        self.record = record
        self.budget = budget
    }

    /// Seconds left on the lock at `now`, or nil when the source is not locked out of the name.
    public func lockRemaining(now: Double) -> Double? {
        guard let until = record?.lockedUntil, until > now else { return nil }
        return until - now
    }

    /// A wrong password at `now`: returns the lock's length when it locked the source out of the name (the third in
    /// a row, or any one while the name's budget is spent).
    public mutating func recordFailure(limits: LoginGuard.Limits, now: Double) -> Double? {
        var budget =
            self.budget
            ?? Budget(
                bucket: TokenBucket(burst: limits.nameBurst, rate: 1 / limits.nameRefillSeconds, now: now),
                lastFailure: now
            )
        budget.lastFailure = now
        let budgetSpent = budget.bucket.take(now: now) != nil
        self.budget = budget

        var record = self.record ?? Record()
        record.lastFailure = now
        record.failures += 1
        defer { self.record = record }
        guard record.failures >= limits.failuresBeforeLock || budgetSpent else { return nil }
        let length = min(limits.firstLock * Double(1 << min(record.locks, 30)), limits.longestLock)
        record.failures = 0
        record.locks += 1
        record.lockedUntil = now + length
        return length
    }

    /// A right password: the source's failures and locks are forgotten; the name's budget stays as it is (the owner
    /// logging in must not hand a guesser a fresh one).
    public mutating func recordSuccess() {
        record = nil
    }
}
