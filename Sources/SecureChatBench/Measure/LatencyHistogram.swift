import Histogram

/// Latencies in microseconds, 1 µs to 10 minutes, three significant digits (HdrHistogram).
struct LatencyHistogram: Sendable {
    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1,
        highestTrackableValue: 600_000_000,
        numberOfSignificantValueDigits: .three
    )

    init() {
        histogram.autoResize = true
    }

    var count: UInt64 { histogram.totalCount }

    mutating func record(micros: UInt64) {
        _ = histogram.record(max(1, micros))
    }

    mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    /// The value at `percentile` (0–100) in milliseconds.
    func milliseconds(at percentile: Double) -> Double {
        guard count > 0 else { return 0 }
        return Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    var maxMilliseconds: Double {
        count > 0 ? Double(histogram.max) / 1000 : 0
    }
}
