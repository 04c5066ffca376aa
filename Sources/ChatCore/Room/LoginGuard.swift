/// Slows password guessing without letting a stranger lock a name's owner out.
///
/// Wrong passwords are counted per name *and source* (an IPv4 address or an IPv6 /64, see
/// ``ConnectionAdmission/addressBlock(of:)``): ``Limits/failuresBeforeLock`` of them in a row lock that source out of
/// that name for ``Limits/firstLock`` seconds, and each further lock of the same pair lasts twice as long as the one
/// before, up to ``Limits/longestLock``. Other sources are not affected, so the owner still gets in from elsewhere.
///
/// On top of that each name has a slower budget of wrong passwords from all sources together (a token bucket of
/// ``Limits/nameBurst``, refilled by one every ``Limits/nameRefillSeconds``). While it is spent, a single wrong
/// password locks its source: a guesser spread over many addresses gets one guess per address per (growing) lock
/// instead of several, while a right password from a source that is not locked is still accepted.
///
/// Pure: the caller passes the current time (seconds on any monotonic scale) with every event.
public struct LoginGuard: Sendable {
    /// The guard's limits, with the defaults documented in the README.
    public struct Limits: Sendable, Equatable {
        /// Wrong passwords in a row from one source that lock it out of the name.
        public var failuresBeforeLock: Int
        /// The first lock's length in seconds; each further lock of the same name and source doubles it.
        public var firstLock: Double
        /// The longest lock, in seconds.
        public var longestLock: Double
        /// Wrong passwords for one name from all sources that may come at once before every one locks its source.
        public var nameBurst: Double
        /// Seconds for one wrong password of the name's budget to come back.
        public var nameRefillSeconds: Double
        /// A name and source pair without a wrong password for this long (and not locked) is forgotten.
        public var forgetAfter: Double

        /// Limits with the given values.
        public init(
            failuresBeforeLock: Int = 3,
            firstLock: Double = 60,
            longestLock: Double = 3600,
            nameBurst: Double = 10,
            nameRefillSeconds: Double = 60,
            forgetAfter: Double = 86_400
        ) {
            precondition(failuresBeforeLock >= 1 && firstLock > 0 && longestLock >= firstLock)
            precondition(nameBurst >= 1 && nameRefillSeconds > 0 && forgetAfter > 0)
            self.failuresBeforeLock = failuresBeforeLock
            self.firstLock = firstLock
            self.longestLock = longestLock
            self.nameBurst = nameBurst
            self.nameRefillSeconds = nameRefillSeconds
            self.forgetAfter = forgetAfter
        }
    }

    /// A name (its key) as tried from one source.
    private struct Pair: Hashable, Sendable {
        var name: String
        var source: String
    }

    /// The limits in force.
    public let limits: Limits
    private var records: [Pair: LoginAttempts.Record] = [:]
    private var budgets: [String: LoginAttempts.Budget] = [:]
    private var recorded = 0

    /// A guard with `limits`.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Seconds left on the lock of `source` out of `name` at `now`, or nil when it is not locked.
    public func lockRemaining(name: String, source: String, now: Double) -> Double? {
        attempts(name: name, source: source).lockRemaining(now: now)
    }

    /// Records a wrong password for `name` from `source`; returns the lock's length when this failure locked the
    /// source out of the name.
    public mutating func recordFailure(name: String, source: String, now: Double) -> Double? {
        // Forget stale pairs now and then, so that many names and sources cannot grow the guard without bound.
        recorded += 1
        if recorded % 256 == 0 { prune(now: now) }
        var attempts = attempts(name: name, source: source)
        let lock = attempts.recordFailure(limits: limits, now: now)
        records[Pair(name: name, source: source)] = attempts.record
        budgets[name] = attempts.budget
        return lock
    }

    /// Forgets the failures and locks of `source` for `name` after a correct password from it. The name's shared
    /// budget stays as it is: the owner logging in must not hand a guesser a fresh one.
    public mutating func recordSuccess(name: String, source: String) {
        records[Pair(name: name, source: source)] = nil
    }

    /// Wrong passwords in a row recorded for `name` from `source` since its last success or lock.
    public func failureCount(name: String, source: String) -> Int {
        records[Pair(name: name, source: source)]?.failures ?? 0
    }

    private func attempts(name: String, source: String) -> LoginAttempts {
        LoginAttempts(record: records[Pair(name: name, source: source)], budget: budgets[name])
    }

    /// How many name and source pairs and name budgets are remembered (for tests of the pruning).
    public var rememberedCount: Int { records.count + budgets.count }

    /// Forgets pairs that are not locked and saw no wrong password for ``Limits/forgetAfter`` seconds, and name
    /// budgets that have filled up again.
    public mutating func prune(now: Double) {
        let limits = self.limits
        records = records.filter { _, record in !record.isStale(limits: limits, now: now) }
        budgets = budgets.filter { _, budget in !budget.isStale(limits: limits, now: now) }
    }
}
