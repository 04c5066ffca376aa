/// Where ``ChatService`` hands the lines it sends to connections other than the one it answers: room lines, private
/// messages, notices, greetings.
///
/// Called while the service holds its room lock, so that every connection gets lines in the order the room decided
/// them (a greeting before anything said to the newcomer, a line before the notice of its sender's leaving): an
/// implementation must be synchronous and cheap (queue the lines, never wait for a socket). The server's
/// implementation hands them to each event loop's outbox; a cluster's would also forward lines for connections held
/// by other nodes (``ConnectionID/node``).
public protocol DeliverySink: Sendable {
    /// Gives `replies`, in this order, to each of `connections`, after everything given to them before.
    func deliver(_ replies: [ServerReply], to connections: [ConnectionID])

    /// Whether `connection` can still take lines: a member whose connection is gone but has not left the room yet
    /// counts as offline, so a private message to them is stored instead of lost.
    func isOpen(_ connection: ConnectionID) -> Bool

    /// Closes `connection` once the lines given to it before have gone out (an operator removed its user).
    func close(_ connection: ConnectionID)
}
