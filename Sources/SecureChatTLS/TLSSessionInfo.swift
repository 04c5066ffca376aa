/// What a completed handshake negotiated, and who the peer is.
public struct TLSSessionInfo: Sendable, Hashable {
    /// The protocol version as OpenSSL names it: "TLSv1.3" or "TLSv1.2".
    public var protocolVersion: String

    /// The cipher suite as OpenSSL names it, for example "TLS_AES_256_GCM_SHA384".
    public var cipher: String

    /// The peer's certificate, or `nil` when it presented none (clients of a server with client auth off).
    public var peer: PeerIdentity?

    /// Whether the handshake resumed an earlier session (abbreviated: no certificate was sent or checked).
    public var resumed: Bool

    /// The protocol both ends agreed on by ALPN, such as `http/1.1`; nil when none was (the usual case: our line
    /// protocol needs none).
    public var applicationProtocol: String?

    /// Clients: whether the server asked for a client certificate in this handshake (a configured certificate is
    /// sent only then). Always false on servers and for resumed sessions.
    public var certificateRequested: Bool

    /// Session information with every field given.
    public init(
        protocolVersion: String,
        cipher: String,
        peer: PeerIdentity?,
        resumed: Bool = false,
        certificateRequested: Bool = false,
        applicationProtocol: String? = nil
    ) {
        self.applicationProtocol = applicationProtocol
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.peer = peer
        self.resumed = resumed
        self.certificateRequested = certificateRequested
    }
}
