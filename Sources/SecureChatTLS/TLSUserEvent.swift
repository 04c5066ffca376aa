/// User inbound events that ``TLSHandler`` fires up the pipeline.
public enum TLSUserEvent: Sendable, Hashable {
    /// The handshake finished; application data can flow. Fired before any plaintext is read.
    case handshakeCompleted(TLSSessionInfo)
    /// A TLS 1.3 server connection's records are now protected by our record layer, OpenSSL's `SSL` freed
    /// (``TLSConfiguration/recordLayerHandover``). Fired once, after ``handshakeCompleted(_:)``.
    case recordLayerHandedOver
}
