import Testing

@testable import SecureChatClient

@Suite struct ReconnectBackoffTests {
    @Test func doublesUpToThirtySecondsAndResets() {
        var backoff = ReconnectBackoff()
        let delays = (0..<7).map { _ in backoff.nextDelay() }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        backoff.reset()
        #expect(backoff.nextDelay() == .seconds(1))
    }
}
