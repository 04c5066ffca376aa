/// Per-user line rate limiting: a token bucket, plus disconnection of a user who keeps flooding after being told.
public struct FloodGuard: Sendable {
    /// What to do with a line.
    public enum Verdict: Sendable, Equatable {
        /// Process it.
        case accept
        /// Refuse it; a token will be there after this many seconds.
        case refuse(retryAfter: Double)
        /// The user keeps flooding: disconnect.
        case disconnect
    }

    private var bucket: TokenBucket
    private var refusedInARow = 0
    /// Refused lines in a row, without an accepted one between, after which the user is disconnected.
    public let refusalsBeforeDisconnect: Int

    /// A guard allowing `burst` lines at once and `rate` lines per second after that.
    public init(burst: Double = 10, rate: Double = 5, refusalsBeforeDisconnect: Int = 20, now: Double) {
        self.bucket = TokenBucket(burst: burst, rate: rate, now: now)
        self.refusalsBeforeDisconnect = refusalsBeforeDisconnect
    }

    /// Judges one incoming line at `now`.
    public mutating func line(now: Double) -> Verdict {
        guard let wait = bucket.take(now: now) else {
            refusedInARow = 0
            return .accept
        }
        refusedInARow += 1
        return refusedInARow >= refusalsBeforeDisconnect ? .disconnect : .refuse(retryAfter: wait)
    }
}
