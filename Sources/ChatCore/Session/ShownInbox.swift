/// The inbox messages one connection was shown and has not acknowledged yet, which makes the inbox at-least-once.
///
/// `inbox` shows a page without marking it read. Its messages leave the store's unread set only when this connection
/// acknowledges them, with `read [<id>]` or with its next `inbox`; a connection that drops first acknowledges
/// nothing, so the next `inbox`, on any connection, shows them again. It holds about one page of ids.
///
/// Acknowledging takes two steps, ``acknowledged(by:)`` and then ``forget(_:)`` once the store has marked the ids
/// read, so a failed store write leaves them to be acknowledged again.
public struct ShownInbox: Sendable, Equatable {
    /// Shown and not acknowledged yet, in the order shown.
    public private(set) var unacknowledged: [MessageID] = []

    /// Nothing shown yet.
    public init() {}

    /// Records the ids of a page just shown; an id still waiting is not added twice.
    public mutating func show(_ ids: [MessageID]) {
        let waiting = Set(unacknowledged)
        unacknowledged += ids.filter { !waiting.contains($0) }
    }

    /// The ids `read <id>` acknowledges: those shown with an id up to `id`, or all of them when `id` is nil.
    public func acknowledged(by id: MessageID?) -> [MessageID] {
        guard let id else { return unacknowledged }
        return unacknowledged.filter { $0 <= id }
    }

    /// Drops `ids`, now marked read in the store.
    public mutating func forget(_ ids: [MessageID]) {
        let done = Set(ids)
        unacknowledged.removeAll { done.contains($0) }
    }
}
