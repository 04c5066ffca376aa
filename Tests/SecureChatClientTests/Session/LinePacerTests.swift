import Testing

@testable import SecureChatClient

@Suite struct LinePacerTests {
    private func lines(_ count: Int) -> [String] {
        (1...count).map { "say line \($0)" }
    }

    @Test func aBurstOfEightGoesAtOnceThenFourLinesASecondInOrder() {
        var pacer = LinePacer(now: 100)
        for line in lines(14) {
            pacer.enqueue(line)
        }
        let first = pacer.release(now: 100)
        #expect(first.lines == Array(lines(14).prefix(8)))
        #expect(first.wakeAfter == 0.25)
        #expect(pacer.release(now: 100.25).lines == ["say line 9"])
        let later = pacer.release(now: 101.25)
        #expect(later.lines == ["say line 10", "say line 11", "say line 12", "say line 13"])
        #expect(!pacer.isIdle)
        let last = pacer.release(now: 101.5)
        #expect(last == LinePacer.Release(lines: ["say line 14"], wakeAfter: nil))
        #expect(pacer.isIdle)
    }

    /// The server's default limit is a burst of 10 then 5 lines a second, counted from the connection's first
    /// line: however the lines come, what the pacer lets go never exceeds it.
    @Test func whatIsReleasedStaysUnderTheServersDefaultLimit() {
        var pacer = LinePacer(now: 0)
        var sent: [Double] = []
        var now = 0.0
        for round in 0..<400 {
            pacer.enqueue("line \(round)")
            if round % 3 == 0 {
                pacer.enqueue("another \(round)")
            }
            sent += pacer.release(now: now).lines.map { _ in now }
            now += 0.05
        }
        while !pacer.isIdle {
            let release = pacer.release(now: now)
            sent += release.lines.map { _ in now }
            now += release.wakeAfter ?? 0
        }
        #expect(sent.count == 400 + 134)
        // A token bucket of 10 refilled at 5 a second accepts at most 10 + 5 × (t − s) lines from s to t.
        var overLimit: [Int] = []
        for first in sent.indices {
            for last in first..<sent.count where Double(last - first + 1) > 10 + 5 * (sent[last] - sent[first]) {
                overLimit.append(last)
            }
        }
        #expect(overLimit.isEmpty, "lines over the limit: \(overLimit.prefix(5))")
    }

    @Test func aRefusalWaitsAsToldThenGoesOnAtHalfThePace() {
        var pacer = LinePacer(now: 0)
        for line in lines(12) {
            pacer.enqueue(line)
        }
        #expect(pacer.release(now: 0).lines.count == 8)
        pacer.refused(retryAfter: 2, now: 0.1)
        let paused = pacer.release(now: 2)
        #expect(paused.lines.isEmpty && abs((paused.wakeAfter ?? 0) - 0.1) < 1e-9)
        let resumed = pacer.release(now: 2.1)
        #expect(resumed.lines == ["say line 9"] && resumed.wakeAfter == 0.5, "one at a time, two a second")
        #expect(pacer.release(now: 2.59).lines.isEmpty)
        #expect(pacer.release(now: 2.61).lines == ["say line 10"])
        pacer.refused(retryAfter: 1, now: 2.7)
        #expect(pacer.release(now: 3.69).lines.isEmpty)
        let slower = pacer.release(now: 3.71)
        #expect(slower.lines == ["say line 11"] && slower.wakeAfter == 1, "one a second")
        #expect(pacer.release(now: 4.72) == LinePacer.Release(lines: ["say line 12"], wakeAfter: nil))
    }

    @Test func theWaitIsReadFromARateLimitRefusal() {
        let refusal = ServerLine(parsing: "ERROR rate-limited too many lines too fast; try again in 3 seconds")
        #expect(LinePacer.retryAfter(in: refusal) == 3)
        #expect(LinePacer.retryAfter(in: ServerLine(parsing: "ERROR rate-limited slow down")) == 1)
        #expect(LinePacer.retryAfter(in: ServerLine(parsing: "ERROR unknown-user no rate-limited")) == nil)
        #expect(LinePacer.retryAfter(in: ServerLine(parsing: "CHAT rate-limited: try again in 3 seconds")) == nil)
    }
}
