/// User inbound events that ``TLSHandler`` fires up the pipeline.
public enum TLSUserEvent: Sendable, Hashable {
    /// The handshake finished; application data can flow. Fired before any plaintext is read.
    case handshakeCompleted(TLSSessionInfo)
}
