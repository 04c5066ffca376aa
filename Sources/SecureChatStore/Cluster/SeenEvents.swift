/// The ids of the cluster events this node has handled lately, so that an event heard twice (by notification and
/// again when catching up after the listening connection dropped) is handled once.
///
/// Ids are not handled in id order (PostgreSQL's sequences hand out ids before the transactions commit, and those
/// commit in any order), so a set is kept, not a high-water mark. The owner forgets ids seen before a point it
/// will never catch up from again (``forget(before:)``); beyond ``capacity`` the oldest go first.
public struct SeenEvents: Sendable {
    public let capacity: Int
    private var ids: Set<Int64> = []
    /// In the order they were seen, with when; the front is forgotten first.
    private var order: [(id: Int64, at: ContinuousClock.Instant)] = []
    private var head = 0

    public init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    /// Records `id` as seen at `now`; false when it was seen already.
    public mutating func insert(_ id: Int64, at now: ContinuousClock.Instant) -> Bool {
        guard ids.insert(id).inserted else { return false }
        order.append((id, now))
        if ids.count > capacity { forgetOldest() }
        return true
    }

    /// Whether `id` was seen (and not forgotten yet).
    public func contains(_ id: Int64) -> Bool { ids.contains(id) }

    /// How many ids are remembered.
    public var count: Int { ids.count }

    /// Forgets the ids seen before `limit`.
    public mutating func forget(before limit: ContinuousClock.Instant) {
        while head < order.count, order[head].at < limit { forgetOldest() }
    }

    private mutating func forgetOldest() {
        guard head < order.count else { return }
        ids.remove(order[head].id)
        head += 1
        // Compact now and then, not on every removal.
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
