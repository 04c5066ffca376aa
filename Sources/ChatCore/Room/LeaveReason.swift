/// Why a member leaves the room, which decides what the others are told (docs/PROTOCOL.md, "Leave notices").
public enum LeaveReason: Sendable, Equatable {
    /// The user typed `tata`.
    case tata
    /// The connection dropped or went idle: nobody said why.
    case dropped
    /// The server ended the session because the user's client certificate was revoked.
    case certificateRevoked
    /// The server ended the session because the user's client certificate expired.
    case certificateExpired
    /// The server ended the session because the user kept sending lines over the rate limit.
    case flooding
    /// The server's operator removed the user (`securechat-ctl kick`).
    case removedByOperator

    /// The notice the others receive when `name` leaves for this reason.
    public func notice(for name: String) -> ServerReply {
        switch self {
        case .tata: .left(name)
        case .dropped: .leftUnexpectedly(name)
        case .certificateRevoked: .notice("\(name) left the conversation (client certificate revoked)")
        case .certificateExpired: .notice("\(name) left the conversation (client certificate expired)")
        case .flooding: .notice("\(name) left the conversation (disconnected for flooding)")
        case .removedByOperator: .notice("\(name) left the conversation (removed by the server's operator)")
        }
    }
}
