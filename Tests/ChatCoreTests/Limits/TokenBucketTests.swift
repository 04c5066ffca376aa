import ChatCore
import Testing

@Suite struct TokenBucketTests {
    @Test func aBurstThenTheRate() {
        var bucket = TokenBucket(burst: 10, rate: 5, now: 0)
        for _ in 0..<10 { #expect(bucket.take(now: 0) == nil) }
        #expect(bucket.take(now: 0) == 0.2)
        #expect(bucket.take(now: 0.2) == nil)
        #expect(bucket.take(now: 0.2) != nil)
        #expect(bucket.take(now: 100) == nil)
    }

    @Test func floodersAreRefusedThenDisconnected() {
        var flood = FloodGuard(burst: 2, rate: 1, refusalsBeforeDisconnect: 3, now: 0)
        #expect(flood.line(now: 0) == .accept)
        #expect(flood.line(now: 0) == .accept)
        #expect(flood.line(now: 0) == .refuse(retryAfter: 1))
        #expect(flood.line(now: 0.5) == .refuse(retryAfter: 0.5))
        #expect(flood.line(now: 0.5) == .disconnect)
    }

    @Test func anAcceptedLineForgivesEarlierRefusals() {
        var flood = FloodGuard(burst: 1, rate: 1, refusalsBeforeDisconnect: 2, now: 0)
        #expect(flood.line(now: 0) == .accept)
        #expect(flood.line(now: 0) == .refuse(retryAfter: 1))
        #expect(flood.line(now: 1) == .accept)
        #expect(flood.line(now: 1) == .refuse(retryAfter: 1))
    }
}
