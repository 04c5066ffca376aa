import ChatCore
import Foundation

/// Paces the lines sent on one connection so that they stay under the server's rate limit (docs/PROTOCOL.md,
/// "Limits": by default a burst of 10, then 5 lines per second, counted from the connection's first line, login
/// included). Over it the server refuses lines and then disconnects, so piped input or a paste would lose lines and
/// the closing `ping`/`tata`. Lines wait in order and none is dropped. If the server still refuses one (a stricter
/// server), ``refused(retryAfter:now:)`` waits as told and halves the pace.
///
/// Pure: the caller passes the time (seconds on any monotonic scale) and wakes the pacer up when it asks to.
struct LinePacer {
    /// Below the server's default burst and rate, with room for lines that reach it bunched together.
    static let burst = 8.0
    static let linesPerSecond = 4.0
    /// The slowest pace repeated refusals lead to.
    static let slowestLinesPerSecond = 0.5

    /// What may be sent now.
    struct Release: Equatable {
        /// The lines to send now, in order.
        var lines: [String]
        /// When lines are still waiting: the seconds until the next one may go.
        var wakeAfter: Double?
    }

    private var bucket: TokenBucket
    private var rate: Double
    /// Nothing is sent before this time (after a refusal).
    private var notBefore: Double
    private var waiting: [String] = []
    private var head = 0

    /// A pacer for a connection opened at `now`.
    init(now: Double) {
        rate = Self.linesPerSecond
        bucket = TokenBucket(burst: Self.burst, rate: rate, now: now)
        notBefore = now
    }

    /// Whether no line is waiting.
    var isIdle: Bool { head == waiting.count }

    /// Adds `line` after the lines already waiting.
    mutating func enqueue(_ line: String) {
        waiting.append(line)
    }

    /// Drops the lines still waiting (the user interrupted).
    mutating func discardWaiting() {
        waiting = []
        head = 0
    }

    /// Takes the waiting lines that may be sent at `now`.
    mutating func release(now: Double) -> Release {
        var lines: [String] = []
        while head < waiting.count {
            if now < notBefore {
                return finish(lines, wakeAfter: notBefore - now)
            }
            if let wait = bucket.take(now: now) {
                return finish(lines, wakeAfter: wait)
            }
            lines.append(waiting[head])
            head += 1
        }
        return finish(lines, wakeAfter: nil)
    }

    /// The server refused a line with `ERROR rate-limited … try again in N s`: send nothing for `seconds`, then one
    /// line at a time at half the pace so far.
    mutating func refused(retryAfter seconds: Double, now: Double) {
        let resume = max(now + seconds, notBefore)
        rate = max(rate / 2, Self.slowestLinesPerSecond)
        bucket = TokenBucket(burst: 1, rate: rate, now: resume)
        notBefore = resume
    }

    private mutating func finish(_ lines: [String], wakeAfter: Double?) -> Release {
        if head == waiting.count {
            waiting = []
            head = 0
        }
        return Release(lines: lines, wakeAfter: wakeAfter)
    }

    /// The wait a server line asks for when it is a rate-limit refusal (`ERROR rate-limited too many lines too fast;
    /// try again in 2 seconds`), at least a second; nil for any other line.
    static func retryAfter(in line: ServerLine) -> Double? {
        guard line.kind == .error, line.firstWord == "rate-limited" else {
            return nil
        }
        guard let range = line.text.range(of: "try again in ") else {
            return 1
        }
        let seconds = Double(String(line.text[range.upperBound...].prefix(while: \.isNumber))) ?? 1
        return max(seconds, 1)
    }
}
