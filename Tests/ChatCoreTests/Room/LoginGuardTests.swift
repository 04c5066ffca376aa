import ChatCore
import Testing

@Suite struct LoginGuardTests {
    @Test func threeWrongPasswordsLockTheNameForAMinute() {
        var guardian = LoginGuard()
        #expect(guardian.recordFailure("dave", now: 0) == nil)
        #expect(guardian.recordFailure("dave", now: 1) == nil)
        #expect(guardian.recordFailure("dave", now: 2) == 60)
        #expect(guardian.lockRemaining("dave", now: 30) == 32)
        #expect(guardian.lockRemaining("dave", now: 62) == nil)
        #expect(guardian.lockRemaining("carol", now: 30) == nil)
    }

    @Test func aCorrectPasswordResetsTheCount() {
        var guardian = LoginGuard()
        _ = guardian.recordFailure("dave", now: 0)
        _ = guardian.recordFailure("dave", now: 1)
        guardian.recordSuccess("dave")
        #expect(guardian.failureCount("dave") == 0)
        #expect(guardian.recordFailure("dave", now: 2) == nil)
    }
}
