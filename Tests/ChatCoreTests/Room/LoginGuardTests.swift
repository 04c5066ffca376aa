import ChatCore
import Testing

@Suite struct LoginGuardTests {
    @Test func threeWrongPasswordsLockThatSourceOutOfTheNameForAMinute() {
        var guardian = LoginGuard()
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.2", now: 0) == nil)
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.2", now: 1) == nil)
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.2", now: 2) == 60)
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.2", now: 30) == 32)
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.2", now: 62) == nil)
        #expect(guardian.lockRemaining(name: "carol", source: "10.0.0.2", now: 30) == nil)
    }

    @Test func anotherSourceIsNotLockedOut() {
        var guardian = LoginGuard()
        for second in 0..<3 {
            _ = guardian.recordFailure(name: "dave", source: "10.0.0.2", now: Double(second))
        }
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.2", now: 3) != nil)
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.1", now: 3) == nil)
        #expect(guardian.failureCount(name: "dave", source: "10.0.0.1") == 0)
    }

    @Test func eachFurtherLockDoublesUpToTheCap() {
        var guardian = LoginGuard(limits: .init(firstLock: 60, longestLock: 200, nameBurst: 1000))
        var now = 0.0
        var lengths: [Double] = []
        for _ in 0..<4 {
            var lock: Double?
            for _ in 0..<3 {
                lock = guardian.recordFailure(name: "dave", source: "10.0.0.2", now: now)
            }
            lengths.append(lock ?? -1)
            now += (lock ?? 0) + 1
        }
        #expect(lengths == [60, 120, 200, 200])
    }

    @Test func aCorrectPasswordResetsTheCountAndTheDoublingOfItsSourceOnly() {
        var guardian = LoginGuard()
        for second in 0..<3 {
            _ = guardian.recordFailure(name: "dave", source: "10.0.0.2", now: Double(second))
        }
        _ = guardian.recordFailure(name: "dave", source: "10.0.0.1", now: 3)
        guardian.recordSuccess(name: "dave", source: "10.0.0.1")
        #expect(guardian.failureCount(name: "dave", source: "10.0.0.1") == 0)
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.2", now: 4) != nil)

        guardian.recordSuccess(name: "dave", source: "10.0.0.2")
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.2", now: 4) == nil)
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.2", now: 5) == nil)
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.2", now: 6) == nil)
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.2", now: 7) == 60)
    }

    @Test func onceTheNamesBudgetIsSpentOneWrongPasswordLocksItsSource() {
        var guardian = LoginGuard(limits: .init(nameBurst: 4, nameRefillSeconds: 60))
        // Four sources, one wrong password each, spend the name's budget without locking anyone.
        for source in 1...4 {
            #expect(guardian.recordFailure(name: "dave", source: "10.0.0.\(source)", now: 0) == nil)
        }
        // The next wrong password locks its source at once, though it is that source's first.
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.5", now: 1) == 60)
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.5", now: 2) != nil)
        // The owner's source was not locked by any of it.
        #expect(guardian.lockRemaining(name: "dave", source: "10.0.0.9", now: 2) == nil)
        // Another name has a budget of its own.
        #expect(guardian.recordFailure(name: "carol", source: "10.0.0.5", now: 2) == nil)
        // The budget comes back with time.
        #expect(guardian.recordFailure(name: "dave", source: "10.0.0.6", now: 120) == nil)
    }

    @Test func staleRecordsAreForgotten() {
        var guardian = LoginGuard(limits: .init(nameBurst: 10, nameRefillSeconds: 60, forgetAfter: 1000))
        _ = guardian.recordFailure(name: "dave", source: "10.0.0.2", now: 0)
        for second in 0..<3 {
            _ = guardian.recordFailure(name: "erin", source: "10.0.0.3", now: Double(second))
        }
        #expect(guardian.rememberedCount == 4)
        guardian.prune(now: 999)
        #expect(guardian.rememberedCount == 2)
        guardian.prune(now: 1002)
        #expect(guardian.rememberedCount == 0)
    }
}
