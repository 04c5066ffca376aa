/// The times of recent connections from one address block, oldest first, with amortised O(1) expiry: times only
/// grow, so expired ones are always at the front.
struct RecentConnections: Sendable {
    private var times: [Double] = []
    private var head = 0

    /// How many times are kept.
    var count: Int { times.count - head }

    /// Adds a time no earlier than any kept one.
    mutating func append(_ time: Double) {
        times.append(time)
    }

    /// Drops the times before `cutoff`.
    mutating func forget(before cutoff: Double) {
        while head < times.count, times[head] < cutoff { head += 1 }
        if head > 32, head * 2 > times.count {
            times.removeFirst(head)
            head = 0
        }
    }
}
