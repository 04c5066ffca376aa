/// What a connection reports to the session, tagged by the session with the connection's generation.
enum ConnectionEvent: Sendable, Equatable {
    /// One line from the server.
    case line(ServerLine)
    /// The server sent a line longer than the client accepts; it was skipped.
    case overlongLine
    /// The connection ended; `reason` says why in words, or is nil after an orderly close.
    case closed(reason: String?)
}
