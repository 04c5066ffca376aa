/// A node's lease on its membership of the cluster, as the node itself keeps it (docs/CLUSTER.md).
///
/// The other nodes count a node gone once its heartbeat, stamped with PostgreSQL's clock, is older than
/// ``duration``. The node cannot see that clock, so it counts from when it *sent* its last heartbeat that PostgreSQL
/// confirmed (the stamp is later than that) and gives itself up a quarter of the lease earlier: by then it has
/// stopped taking logins and closed its sessions, before anyone else can have handed out its users' names.
public struct NodeLease: Sendable, Equatable {
    /// What the node should do after a heartbeat's outcome or a look at the clock.
    public enum Verdict: Sendable, Equatable {
        /// Still a member: carry on.
        case member
        /// No confirmed heartbeat for too long (a database out of reach, or this process paused): give up.
        case expired
        /// PostgreSQL says this node is not a member any more (another node removed it): give up.
        case removed
    }

    /// How long a node may go without a heartbeat before the others remove it.
    public let duration: Duration
    /// When the last heartbeat that PostgreSQL confirmed was sent.
    public private(set) var confirmedAt: ContinuousClock.Instant

    /// A lease of `duration`, confirmed by a heartbeat (or the joining) sent at `joinedAt`.
    public init(duration: Duration, joinedAt: ContinuousClock.Instant) {
        self.duration = duration
        self.confirmedAt = joinedAt
    }

    /// How often the node sends a heartbeat: four chances before it gives itself up.
    public var heartbeatInterval: Duration { duration / 5 }

    /// How long after its last confirmed heartbeat the node gives itself up.
    public var selfExpiry: Duration { duration * 3 / 4 }

    /// A heartbeat sent at `sentAt` was confirmed (its row was still there); `false` from PostgreSQL (no row: the
    /// node was removed) is ``Verdict/removed``.
    public mutating func heartbeat(sentAt: ContinuousClock.Instant, confirmed: Bool) -> Verdict {
        guard confirmed else { return .removed }
        if sentAt > confirmedAt { confirmedAt = sentAt }
        return .member
    }

    /// Whether the node may still act as a member at `now` (after a failed heartbeat, or before acting at all).
    public func verdict(at now: ContinuousClock.Instant) -> Verdict {
        now - confirmedAt < selfExpiry ? .member : .expired
    }
}
