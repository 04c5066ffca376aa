import NIOCore

/// Microseconds on the monotonic clock, comparable across the threads of this process.
enum MonotonicClock {
    static func micros() -> UInt64 {
        NIODeadline.now().uptimeNanoseconds / 1000
    }

    static func seconds(since startMicros: UInt64) -> Double {
        Double(micros() &- startMicros) / 1e6
    }
}
