import SecureChatTLS

/// Everything the client's main loop reacts to, from the terminal, stdin, the connection, signals and timers.
enum ClientEvent: Sendable {
    /// Keys typed in interactive mode.
    case keys([Key])
    /// A line read from stdin in scripted mode.
    case inputLine(String)
    /// Stdin ended (scripted mode) or could no longer be read.
    case inputEnded
    /// Something happened on connection number `generation`.
    case connection(ConnectionEvent, generation: Int)
    /// A reconnection attempt succeeded.
    case reconnected(ClientConnection, ServerTrustNote, generation: Int)
    /// A reconnection attempt failed.
    case reconnectFailed(ClientError, generation: Int)
    /// A signal arrived (SIGINT, SIGTERM, SIGHUP, SIGWINCH).
    case signal(Int32)
    /// A timer started by ``ClientSessionStateMachine/Action/startLeaveTimer`` ran out.
    case leaveTimerFired
    /// A timer started by ``ClientSessionStateMachine/Action/startDrainTimer`` ran out.
    case drainTimerFired
    /// The ``LinePacer`` may send its next waiting line.
    case paceTimerFired
}
