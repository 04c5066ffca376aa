/// One event a node sent the other nodes through PostgreSQL (a row of `cluster_events`, announced with `NOTIFY`).
/// The chat decides what a body says; the cluster reserves bodies that begin with `!` for its own events.
public struct ClusterEvent: Sendable, Equatable {
    /// Its row's id: unique, but not in commit order.
    public let id: Int64
    /// The node that sent it.
    public let node: UInt16
    public let body: String

    public init(id: Int64, node: UInt16, body: String) {
        self.id = id
        self.node = node
        self.body = body
    }

    /// The names a node held when it was removed (it died, or was cut off past its lease), with the body of the
    /// event that announces it; each name as its holder spelled it.
    public static func removal(of node: UInt16, names: [String]) -> String {
        (["!removed", String(node)] + names).joined(separator: " ")
    }

    /// The node and names of a removal event; nil for any other event.
    public var removal: (node: UInt16, names: [String])? {
        let words = body.split(separator: " ", omittingEmptySubsequences: true)
        guard words.first == "!removed", words.count >= 2, let node = UInt16(words[1]) else { return nil }
        return (node, words.dropFirst(2).map(String.init))
    }
}

/// The `NOTIFY` that announces an event: `id node body`, or `id node` when the body would not fit in a
/// notification (PostgreSQL's limit is 8000 bytes; a body that long is read from the table).
enum ClusterNotification {
    static let channel = "securechat_events"
    /// The longest body sent inside the notification, in bytes.
    static let inlineLimit = 7900

    /// A node's heartbeat tick, which only that node's own listener heeds: hearing it proves every notification
    /// committed before it was heard (PostgreSQL delivers them in commit order), so a catch-up need not reach back
    /// past it. `tick node incarnation sequence`; other versions of the server take it for no event.
    static func tick(node: UInt16, incarnation: Int64, sequence: Int64) -> String {
        "tick \(node) \(incarnation) \(sequence)"
    }

    /// The node, incarnation and sequence number of a tick's payload; nil for any other payload.
    static func parseTick(_ payload: String) -> (node: UInt16, incarnation: Int64, sequence: Int64)? {
        let parts = payload.split(separator: " ")
        guard parts.count == 4, parts[0] == "tick", let node = UInt16(parts[1]), let incarnation = Int64(parts[2]),
            let sequence = Int64(parts[3])
        else { return nil }
        return (node, incarnation, sequence)
    }

    /// The id, node and (when it was sent along) body of a notification's payload; nil for a payload of another form.
    static func parse(_ payload: String) -> (id: Int64, node: UInt16, body: String?)? {
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let id = Int64(parts[0]), let node = UInt16(parts[1]) else { return nil }
        return (id, node, parts.count == 3 ? String(parts[2]) : nil)
    }
}
