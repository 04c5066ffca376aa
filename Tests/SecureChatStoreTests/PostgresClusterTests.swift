import ChatCore
import Foundation
import Logging
import PostgresTestSupport
import SecureChatStore
import Synchronization
import Testing

/// Several nodes on one real PostgreSQL: joining, events between nodes (exactly once, in each sender's order, also
/// across a dropped listening connection), removal of a node whose lease ran out, fencing, and names held across
/// nodes.
@Suite(TestPostgres.required)
struct PostgresClusterTests {
    /// What one node's handler was told, in order.
    final class Recorder: Sendable {
        let changes = Mutex<[PostgresCluster.Change]>([])

        func record(_ change: PostgresCluster.Change) { changes.withLock { $0.append(change) } }

        var events: [ClusterEvent] {
            changes.withLock { $0.compactMap { if case .event(let event) = $0 { event } else { nil } } }
        }

        /// Waits up to `seconds` for `condition` on the changes so far.
        func wait(
            seconds: Double = 10,
            until condition: ([PostgresCluster.Change]) -> Bool
        ) async throws -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            while ContinuousClock.now < deadline {
                if changes.withLock({ condition($0) }) { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return changes.withLock { condition($0) }
        }
    }

    /// A node: its store, its membership, what it heard.
    struct Node {
        let store: PostgresMessageStore
        let cluster: PostgresCluster
        let recorder = Recorder()
        var directory: PostgresPresenceDirectory { PostgresPresenceDirectory(cluster: cluster) }

        func connection(_ number: Int) throws -> ConnectionID {
            ConnectionID(node: try #require(cluster.membership).node, number: number)
        }
    }

    private static func settings(lease: Duration = .seconds(10)) -> PostgresCluster.Settings {
        var settings = PostgresCluster.Settings()
        settings.lease = lease
        return settings
    }

    /// Starts `count` nodes on `url` (started: heartbeat and listener running), runs `body`, then stops them.
    private func withNodes(
        _ count: Int,
        on url: String,
        lease: Duration = .seconds(10),
        start: Bool = true,
        logRecorder: LogRecorder? = nil,
        configure: (inout PostgresCluster.Settings) -> Void = { _ in },
        _ body: ([Node]) async throws -> Void
    ) async throws {
        var nodes: [Node] = []
        do {
            for index in 0..<count {
                let store = try await PostgresMessageStore.connect(
                    try PostgresStoreConfiguration(url: url, environment: [:]),
                    logger: Logger(label: "node\(index)")
                )
                var settings = Self.settings(lease: lease)
                settings.address = "node\(index)"
                configure(&settings)
                let cluster = try await PostgresCluster.join(
                    store: store,
                    settings: settings,
                    logger: logRecorder?.logger ?? Logger(label: "node\(index)")
                )
                let node = Node(store: store, cluster: cluster)
                if start { cluster.start { node.recorder.record($0) } }
                nodes.append(node)
            }
            try await body(nodes)
        } catch {
            for node in nodes { await stop(node) }
            throw error
        }
        for node in nodes { await stop(node) }
    }

    private func stop(_ node: Node) async {
        await node.cluster.leave()
        try? await node.store.close()
    }

    /// Waits until every node's listener is connected (events sent before that are only caught up).
    private func waitForListeners(_ nodes: [Node]) async throws {
        for _ in 0..<250 where nodes.contains(where: { $0.cluster._testOnly_listenerBackend == nil }) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func nodesJoinUnderTheSmallestFreeNumber() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withNodes(3, on: url, start: false) { nodes in
            #expect(nodes.compactMap { $0.cluster.membership?.node } == [1, 2, 3])
            await nodes[1].cluster.leave()
            try await withNodes(1, on: url, start: false) { again in
                let membership = try #require(again[0].cluster.membership)
                #expect(membership.node == 2)
                #expect(membership.incarnation > (nodes[2].cluster.membership?.incarnation ?? .max))
            }
        }
    }

    @Test func eventsReachEveryOtherNodeOnceAndInEachSendersOrder() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withNodes(3, on: url) { nodes in
            try await waitForListeners(nodes)
            let perNode = 300
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes {
                    let name = "n\(try #require(node.cluster.membership).node)"
                    // Many publishers at once on each node.
                    for publisher in 0..<10 {
                        group.addTask {
                            for line in 0..<(perNode / 10) {
                                let ids = try await node.cluster.publish(["\(name) \(publisher) \(line)"])
                                #expect(ids.count == 1)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for (index, node) in nodes.enumerated() {
                let heard = try await node.recorder.wait { $0.count >= perNode * 2 }
                #expect(heard, "node \(index) heard \(node.recorder.events.count) of \(perNode * 2)")
                let events = node.recorder.events
                let own = try #require(node.cluster.membership).node
                #expect(!events.contains { $0.node == own }, "a node does not hear itself")
                #expect(Set(events.map(\.id)).count == events.count, "no event twice")
                for sender in nodes where sender.cluster.membership?.node != own {
                    let senderNode = try #require(sender.cluster.membership).node
                    let ids = events.filter { $0.node == senderNode }.map(\.id)
                    #expect(ids.count == perNode)
                    #expect(ids == ids.sorted(), "node \(senderNode)'s events in the order it sent them")
                }
            }
        }
    }

    @Test func aBodyTooLongForANotificationIsReadFromTheTable() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withNodes(2, on: url) { nodes in
            try await waitForListeners(nodes)
            let long = "say " + String(repeating: "é", count: 6000)  // 12 000 bytes
            try await nodes[0].cluster.publish(["short", long])
            #expect(try await nodes[1].recorder.wait { $0.count == 2 })
            #expect(nodes[1].recorder.events.map(\.body) == ["short", long])
        }
    }

    @Test func aDroppedListenerCatchesUpWithoutLossOrDuplicates() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withNodes(2, on: url) { nodes in
            try await waitForListeners(nodes)
            let total = 400
            let sender = Task {
                for number in 0..<total {
                    try await nodes[0].cluster.publish(["line \(number)"])
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            // Cut the listening connection twice while the lines flow; lines sent while it is down are caught up.
            for cut in 1...2 {
                _ = try await nodes[1].recorder.wait { $0.count >= 100 * cut }
                let backend = try #require(nodes[1].cluster._testOnly_listenerBackend)
                #expect(try TestPostgres.psql(url, "SELECT pg_terminate_backend(\(backend))") == "t\n")
                for _ in 0..<500 where nodes[1].cluster._testOnly_listenerConnections <= cut {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(nodes[1].cluster._testOnly_listenerConnections == cut + 1, "listening again")
            }
            try await sender.value
            let heard = try await nodes[1].recorder.wait(seconds: 15) { $0.count >= total }
            let bodies = nodes[1].recorder.events.map(\.body)
            #expect(heard, "heard \(bodies.count) of \(total)")
            #expect(bodies == (0..<total).map { "line \($0)" }, "every line once, in order")
        }
    }

    /// Cuts `node`'s listening connection and waits until it listens again.
    private func cutListener(of node: Node, on url: String) async throws {
        let connections = node.cluster._testOnly_listenerConnections
        let backend = try #require(node.cluster._testOnly_listenerBackend)
        #expect(try TestPostgres.psql(url, "SELECT pg_terminate_backend(\(backend))") == "t\n")
        for _ in 0..<500 where node.cluster._testOnly_listenerConnections <= connections {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(node.cluster._testOnly_listenerConnections == connections + 1, "listening again")
    }

    /// A listener cut after the chat was quiet for longer than twice the catch-up margin catches up without handing
    /// on again what it heard before the quiet (it remembers what a catch-up could read again).
    @Test func aListenerCutAfterAQuietSpellHandsNothingOnTwice() async throws {
        let url = try await TestPostgres.newDatabase()
        let settings: (inout PostgresCluster.Settings) -> Void = { $0.catchUpMargin = .seconds(1) }
        try await withNodes(2, on: url, configure: settings) { nodes in
            try await waitForListeners(nodes)
            try await nodes[0].cluster.publish(["before the quiet"])
            #expect(try await nodes[1].recorder.wait { $0.count == 1 })
            try await Task.sleep(for: .seconds(3))
            try await cutListener(of: nodes[1], on: url)
            try await nodes[0].cluster.publish(["after it"])
            #expect(try await nodes[1].recorder.wait { $0.count >= 2 })
            try await Task.sleep(for: .milliseconds(500))
            #expect(nodes[1].recorder.events.map(\.body) == ["before the quiet", "after it"])
        }
    }

    /// A node whose listener is cut after nothing was said for longer than events are kept does not give itself up:
    /// its own heartbeat ticks, heard back, say it missed nothing meanwhile.
    @Test func aQuietChatOutlastingTheEventsRetentionSurvivesACutListener() async throws {
        let url = try await TestPostgres.newDatabase()
        let settings: (inout PostgresCluster.Settings) -> Void = {
            $0.catchUpMargin = .seconds(1)
            // Room under load: a cut listener is back within a tick and a reconnect (~3.5 s), well inside 11 s.
            $0.eventRetention = .seconds(12)
        }
        try await withNodes(2, on: url, configure: settings) { nodes in
            try await waitForListeners(nodes)
            try await nodes[0].cluster.publish(["the last word"])
            #expect(try await nodes[1].recorder.wait { $0.count == 1 })
            try await Task.sleep(for: .seconds(14))
            try await cutListener(of: nodes[1], on: url)
            try await nodes[0].cluster.publish(["and another"])
            #expect(try await nodes[1].recorder.wait { $0.count >= 2 })
            #expect(
                !nodes[1].recorder.changes.withLock { $0.contains { if case .fenced = $0 { true } else { false } } }
            )
            #expect(nodes[1].cluster.membership != nil)
            #expect(nodes[1].recorder.events.map(\.body) == ["the last word", "and another"])
        }
    }

    @Test func aNodeWithoutHeartbeatIsRemovedWithItsNamesAndEveryOtherNodeIsTold() async throws {
        let url = try await TestPostgres.newDatabase()
        // Leases of 10 s: a shorter one can run out on a live node of this process when the whole test suite loads
        // the machine and its shared PostgreSQL.
        try await withNodes(2, on: url) { nodes in
            try await waitForListeners(nodes)
            // A node that joined and then stopped (as after kill -9): it never beats.
            try await withNodes(1, on: url, start: false) { dead in
                let directory = dead[0].directory
                let deadNode = try #require(dead[0].cluster.membership).node
                for (number, name) in ["alice", "Bob"].enumerated() {
                    let entry = PresenceEntry(
                        name: try Username.validate(name).get(),
                        connection: try dead[0].connection(number + 1),
                        identity: .guest
                    )
                    #expect(try await directory.claim(entry))
                }
                for node in nodes {
                    let told = try await node.recorder.wait(seconds: 30) { changes in
                        changes.contains {
                            if case .event(let event) = $0, event.removal?.node == deadNode { true } else { false }
                        }
                    }
                    #expect(told)
                    let removal = node.recorder.events.compactMap(\.removal).first { $0.node == deadNode }
                    #expect(removal?.names == ["Bob", "alice"])
                }
                let names = try await nodes[0].directory.everyone().map(\.name.display)
                #expect(!names.contains("alice") && !names.contains("Bob"), "the names are free again")
                #expect(
                    try TestPostgres.psql(url, "SELECT count(*) FROM cluster_nodes WHERE id = \(deadNode)") == "0\n"
                )
                // The removal is announced once, by one node, whichever swept first.
                let removals = try TestPostgres.psql(
                    url,
                    "SELECT count(*) FROM cluster_events WHERE body LIKE '!removed \(deadNode) %'"
                )
                #expect(removals == "1\n")
            }
        }
    }

    /// A node whose row is gone (another node removed it) sends nothing more and claims nothing: PostgreSQL checks
    /// the row and its incarnation in the statement itself.
    @Test func aRemovedNodeSendsNothingAndClaimsNothing() async throws {
        let url = try await TestPostgres.newDatabase()
        // Not started: no heartbeat finds out first, and nothing joins again behind the test's back.
        try await withNodes(1, on: url, start: false) { nodes in
            let node = nodes[0]
            let before = try #require(node.cluster.membership)
            let connection = try node.connection(1)
            _ = try TestPostgres.psql(url, "DELETE FROM cluster_nodes WHERE id = \(before.node)")
            await #expect(throws: PostgresCluster.ClusterError.notAMember) {
                try await node.cluster.publish(["too late"])
            }
            #expect(node.cluster.membership == nil, "fenced by the refusal")
            let entry = PresenceEntry(
                name: try Username.validate("carol").get(),
                connection: connection,
                identity: .guest
            )
            await #expect(throws: PostgresCluster.ClusterError.notAMember) {
                _ = try await node.directory.claim(entry)
            }
            #expect(try TestPostgres.psql(url, "SELECT count(*) FROM cluster_events") == "0\n")
            #expect(try TestPostgres.psql(url, "SELECT count(*) FROM cluster_names") == "0\n")
        }
    }

    /// A running node whose row is gone learns it at its next heartbeat, is fenced, and joins again as a new
    /// incarnation that may claim names; its number was taken meanwhile, so under another, which its log lines name
    /// from then on.
    @Test func aRemovedNodeIsFencedThenJoinsAgain() async throws {
        let url = try await TestPostgres.newDatabase()
        let log = LogRecorder()
        try await withNodes(1, on: url, logRecorder: log) { nodes in
            let node = nodes[0]
            let before = try #require(node.cluster.membership)
            _ = try TestPostgres.psql(
                url,
                """
                DELETE FROM cluster_nodes WHERE id = \(before.node);
                INSERT INTO cluster_nodes (id, address) VALUES (\(before.node), 'another server')
                """
            )
            #expect(
                try await node.recorder.wait(seconds: 20) { changes in
                    changes.contains { if case .fenced = $0 { true } else { false } }
                        && changes.contains { if case .rejoined = $0 { true } else { false } }
                }
            )
            let after = try #require(node.cluster.membership)
            #expect(after.incarnation != before.incarnation)
            #expect(after.node != before.node)
            #expect(log.node(of: "joined the cluster as node \(before.node)") == "\(before.node)")
            #expect(log.node(of: "joined the cluster again as node \(after.node)") == "\(after.node)")
            let entry = PresenceEntry(
                name: try Username.validate("carol").get(),
                connection: try node.connection(1),
                identity: .guest
            )
            #expect(try await node.directory.claim(entry))
        }
    }

    @Test func aNodeCutOffFromPostgreSQLFencesItselfAndJoinsAgainWhenItIsBack() async throws {
        let server = try await TestPostgres.Cluster.start()
        try await withNodes(1, on: server.url, lease: .seconds(4)) { nodes in
            let node = nodes[0]
            let before = try #require(node.cluster.membership)
            try await server.pause()
            let cut = ContinuousClock.now
            #expect(try await node.recorder.wait(seconds: 20) { $0.contains(.fenced(.expired)) })
            // Three quarters of a lease after the last confirmed heartbeat, with room for a loaded machine.
            #expect(ContinuousClock.now - cut < .seconds(6), "fenced within about the lease")
            try await server.resume()
            #expect(
                try await node.recorder.wait(seconds: 30) { changes in
                    changes.contains { if case .rejoined = $0 { true } else { false } }
                }
            )
            #expect(node.cluster.membership?.incarnation != before.incarnation)
        }
    }

    @Test func aNameIsHeldByExactlyOneOfManyClaimsAcrossNodes() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withNodes(3, on: url, start: false) { nodes in
            let name = try Username.validate("Dana").get()
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for attempt in 0..<51 {
                    let node = nodes[attempt % 3]
                    let entry = PresenceEntry(name: name, connection: try node.connection(attempt), identity: .guest)
                    group.addTask { try await node.directory.claim(entry) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            let holder = try #require(try await nodes[0].directory.holder(of: "dana"))
            #expect(holder.name.display == "Dana")

            // Only the holding connection releases it; then anyone may claim it.
            let other = nodes.first { $0.cluster.membership?.node != holder.connection.node }!
            try await other.directory.release("dana", connection: try other.connection(holder.connection.number))
            #expect(try await nodes[2].directory.holder(of: "dana") == holder)
            let holding = try #require(nodes.first { $0.cluster.membership?.node == holder.connection.node })
            try await holding.directory.update("dana", connection: holder.connection, identity: .registered)
            #expect(try await nodes[1].directory.everyone().map(\.identity) == [.registered])
            try await holding.directory.release("dana", connection: holder.connection)
            #expect(try await nodes[1].directory.everyone().isEmpty)
        }
    }
}

/// Keeps the messages logged through ``logger`` with their `node` metadata.
final class LogRecorder: Sendable {
    private let records = Mutex<[(message: String, node: String?)]>([])

    var logger: Logger {
        Logger(label: "recorded") { _ in Handler(recorder: self) }
    }

    /// The `node` metadata of the first message that starts with `prefix`.
    func node(of prefix: String) -> String? {
        records.withLock { records in records.first { $0.message.hasPrefix(prefix) }?.node }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let node = (metadata.merging(event.metadata ?? [:]) { $1 })["node"].map { "\($0)" }
            recorder.records.withLock { $0.append(("\(event.message)", node)) }
        }
    }
}
