import Foundation

/// What one server of a cluster tells the others to show their own users (docs/CLUSTER.md): the chat's lines travel
/// once per node, and each node decides which of its users accept them, as it does for its own lines.
public enum ClusterMessage: Codable, Sendable, Equatable {
    /// Lines for everybody on the receiving node who accepts lines from `sender` (a name key): chat lines,
    /// `broadcast message`, join and leave notices.
    case room(sender: String, lines: [RelayedLine])
    /// A line for `recipient` (a name key) only, from `sender` (a name key): a `send` or a `broadcast user …`.
    /// `node`: the node that held the recipient when it was sent (nil from a server before it was named), the one
    /// that says so when the recipient is gone by the time it arrives.
    case direct(recipient: String, sender: String, line: RelayedLine, node: UInt16? = nil)
    /// The operator of another node removes the user holding `recipient` (a name key) on `node`, telling them
    /// `reason` (already neutralised); every other node ignores it.
    case removal(recipient: String, node: UInt16, reason: String?)

    /// The message as one line of JSON, the body of a cluster event.
    public var body: String {
        // Encoding these plain values cannot fail.
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The message in an event's `body`; nil for a body of another form.
    public init?(body: String) {
        guard let message = try? JSONDecoder().decode(ClusterMessage.self, from: Data(body.utf8)) else { return nil }
        self = message
    }
}

/// The replies that travel between nodes: those one user's action shows other users.
public enum RelayedLine: Codable, Sendable, Equatable {
    case chat(from: String, text: String)
    case privateMessage(from: String, text: String)
    case sealed(from: String, sealed: String)
    case broadcast(from: String, text: String)
    case listBroadcast(from: String, to: [String], text: String)
    case joined(String)
    case left(String)
    case leftUnexpectedly(String)
    case notice(String)

    /// `reply` as it travels; nil for a reply that is only ever an answer to its own connection.
    public init?(_ reply: ServerReply) {
        switch reply {
        case .chat(let from, let text): self = .chat(from: from, text: text)
        case .privateMessage(let from, let text): self = .privateMessage(from: from, text: text)
        case .sealed(let from, let sealed): self = .sealed(from: from, sealed: sealed)
        case .broadcast(let from, let text): self = .broadcast(from: from, text: text)
        case .listBroadcast(let from, let to, let text): self = .listBroadcast(from: from, to: to, text: text)
        case .joined(let name): self = .joined(name)
        case .left(let name): self = .left(name)
        case .leftUnexpectedly(let name): self = .leftUnexpectedly(name)
        case .notice(let text): self = .notice(text)
        default: return nil
        }
    }

    /// The reply to show.
    public var reply: ServerReply {
        switch self {
        case .chat(let from, let text): .chat(from: from, text: text)
        case .privateMessage(let from, let text): .privateMessage(from: from, text: text)
        case .sealed(let from, let sealed): .sealed(from: from, sealed: sealed)
        case .broadcast(let from, let text): .broadcast(from: from, text: text)
        case .listBroadcast(let from, let to, let text): .listBroadcast(from: from, to: to, text: text)
        case .joined(let name): .joined(name)
        case .left(let name): .left(name)
        case .leftUnexpectedly(let name): .leftUnexpectedly(name)
        case .notice(let text): .notice(text)
        }
    }
}

/// The other servers of a cluster, as the chat sees them. ``ChatService`` hands it what they must show their users;
/// what they send arrives through ``ChatService/receive(_:)``. Nil for a server that runs alone.
public protocol ClusterLink: Sendable {
    /// The node this server is now (0 while it is not a member).
    var node: UInt16 { get }

    /// Queues `message` for every other node, after everything queued before. Called under the room's lock, so
    /// that the other nodes see this node's lines in the order its own users do: it must not wait.
    func relay(_ message: ClusterMessage)

    /// Queues `message` like ``relay(_:)`` and returns once every other node is sure to get it (a `send` is
    /// answered `OK delivered` only then); throws when it cannot be sent.
    func relayConfirmed(_ message: ClusterMessage) async throws
}
