public import Foundation

/// The time as ``ChatService`` sees it: injected, so that tests can move it.
public protocol ChatClock: Sendable {
    /// The wall-clock time, for what is stored and shown.
    func now() -> Date
    /// Seconds on a monotonic clock, for lock-outs and rates (never jumps when the wall clock is set).
    func seconds() -> Double
}

/// The system's clocks.
public struct SystemChatClock: ChatClock {
    private let start = ContinuousClock.now

    public init() {}

    public func now() -> Date { Date() }

    public func seconds() -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
}
