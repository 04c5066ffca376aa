/// A token bucket: `burst` tokens at most, refilled at `rate` tokens per second. Pure: the caller passes `now`.
public struct TokenBucket: Sendable, Equatable {
    /// The most tokens the bucket holds.
    public let burst: Double
    /// Tokens added per second.
    public let rate: Double

    /// Tokens left at ``updated``.
    public private(set) var tokens: Double
    /// When the tokens were last counted.
    public private(set) var updated: Double

    /// A full bucket at time `now` (seconds on any monotonic scale).
    public init(burst: Double, rate: Double, now: Double) {
        precondition(burst >= 1 && rate > 0)
        self.burst = burst
        self.rate = rate
        self.tokens = burst
        self.updated = now
    }

    /// A bucket as it was kept: `tokens` left at `updated`.
    public init(burst: Double, rate: Double, tokens: Double, updated: Double) {
        precondition(burst >= 1 && rate > 0)
        self.burst = burst
        self.rate = rate
        self.tokens = min(tokens, burst)
        self.updated = updated
    }

    /// Takes one token; returns nil when it was there, or the seconds until one will be.
    public mutating func take(now: Double) -> Double? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }

    private mutating func refill(now: Double) {
        guard now > updated else { return }
        tokens = min(burst, tokens + (now - updated) * rate)
        updated = now
    }
}
