import Testing

@testable import SecureChatStore

/// The cluster's pure parts: the lease a node keeps on itself, the events it has seen, the notification's form.
struct ClusterPartsTests {
    private let start = ContinuousClock.now

    @Test func aLeaseHoldsUntilThreeQuartersOfItsDurationAfterTheLastConfirmedHeartbeat() {
        var lease = NodeLease(duration: .seconds(8), joinedAt: start)
        #expect(lease.heartbeatInterval == .milliseconds(1600))
        #expect(lease.verdict(at: start + .milliseconds(5999)) == .member)
        #expect(lease.verdict(at: start + .seconds(6)) == .expired)

        let confirmed = lease.heartbeat(sentAt: start + .seconds(5), confirmed: true)
        #expect(confirmed == .member)
        #expect(lease.verdict(at: start + .seconds(10)) == .member)
        #expect(lease.verdict(at: start + .seconds(11)) == .expired)
    }

    @Test func aLateConfirmationOfAnOlderHeartbeatDoesNotMoveTheLeaseBack() {
        var lease = NodeLease(duration: .seconds(8), joinedAt: start)
        _ = lease.heartbeat(sentAt: start + .seconds(4), confirmed: true)
        _ = lease.heartbeat(sentAt: start + .seconds(2), confirmed: true)
        #expect(lease.confirmedAt == start + .seconds(4))
    }

    @Test func aHeartbeatThatFindsNoRowMeansRemoved() {
        var lease = NodeLease(duration: .seconds(8), joinedAt: start)
        let verdict = lease.heartbeat(sentAt: start + .seconds(1), confirmed: false)
        #expect(verdict == .removed)
    }

    @Test func seenEventsAreHandledOnceWhateverTheirOrder() {
        var seen = SeenEvents()
        let first = [seen.insert(7, at: start), seen.insert(5, at: start)]
        let again = seen.insert(7, at: start + .seconds(1))
        let another = seen.insert(6, at: start + .seconds(1))
        #expect(first == [true, true])
        #expect(!again)
        #expect(another)
        #expect(seen.count == 3)
    }

    @Test func seenEventsForgetWhatWasSeenBeforeTheLimitAndBeyondTheirCapacity() {
        var seen = SeenEvents(capacity: 3)
        for id in Int64(1)...3 { _ = seen.insert(id, at: start + .seconds(Int64(id))) }
        seen.forget(before: start + .seconds(2))
        #expect(!seen.contains(1))
        #expect(seen.contains(2) && seen.contains(3))
        for id in Int64(4)...5 { _ = seen.insert(id, at: start + .seconds(Int64(id))) }
        #expect(seen.count == 3)
        #expect(!seen.contains(2), "the oldest goes first beyond the capacity")
        let forgotten = seen.insert(2, at: start + .seconds(6))
        #expect(forgotten, "a forgotten id counts as new")
    }

    @Test func notificationsCarryTheBodyWhenItFitsAndOnlyTheIdWhenNot() throws {
        let inline = try #require(ClusterNotification.parse("42 3 hello there  world"))
        #expect(inline.id == 42 && inline.node == 3 && inline.body == "hello there  world")
        let empty = try #require(ClusterNotification.parse("42 3 "))
        #expect(empty.body == "")
        let long = try #require(ClusterNotification.parse("43 1"))
        #expect(long.id == 43 && long.node == 1 && long.body == nil)
        #expect(ClusterNotification.parse("x 1 body") == nil)
        #expect(ClusterNotification.parse("1 70000 body") == nil)
        #expect(ClusterNotification.parse("") == nil)
    }

    /// A heartbeat tick reads back as itself, and is never taken for an event (by this version or an older one).
    @Test func aTickIsNoEvent() throws {
        let payload = ClusterNotification.tick(node: 3, incarnation: 77, sequence: 12)
        let tick = try #require(ClusterNotification.parseTick(payload))
        #expect(tick.node == 3 && tick.incarnation == 77 && tick.sequence == 12)
        #expect(ClusterNotification.parse(payload) == nil)
        #expect(ClusterNotification.parseTick("42 3 tick 3 77 12") == nil)
        #expect(ClusterNotification.parseTick("tick 3 77") == nil)
        #expect(ClusterNotification.parseTick("tick 70000 77 12") == nil)
    }

    @Test func aRemovalEventNamesItsNodeAndNames() throws {
        let body = ClusterEvent.removal(of: 4, names: ["alice", "Bob"])
        let removal = try #require(ClusterEvent(id: 1, node: 2, body: body).removal)
        #expect(removal.node == 4 && removal.names == ["alice", "Bob"])
        #expect(ClusterEvent(id: 1, node: 2, body: ClusterEvent.removal(of: 4, names: [])).removal?.names == [])
        #expect(ClusterEvent(id: 1, node: 2, body: "say alice hello").removal == nil)
        #expect(ClusterEvent(id: 1, node: 2, body: "!removed x").removal == nil)
    }
}
