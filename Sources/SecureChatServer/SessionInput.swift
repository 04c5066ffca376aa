import ChatTransport
import NIOCore
import SecureChatTLS

/// Everything a connection's session loop reacts to, in arrival order.
enum SessionInput: Sendable {
    /// The connection was accepted and its pipeline set up.
    case opened
    /// The connection is gone; nothing follows.
    case closed
    /// The TLS handshake finished.
    case established(TLSSessionInfo)
    /// A line framed by `LineFrameDecoder`, or notice of an over-long one.
    case frame(InboundFrame)
    /// The login deadline passed.
    case loginTimedOut
    /// The client certificate of this session expired.
    case certificateExpired
}

/// Events the server sends down a connection's pipeline to be turned into `SessionInput`.
enum SessionTimerEvent: Sendable {
    /// The login deadline passed.
    case loginDeadline
    /// The client certificate's notAfter passed.
    case certificateExpiry
}
