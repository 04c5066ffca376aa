import ArgumentParser

/// The protocol the bench speaks to the server. Besides SecureChat's own, the two servers the targets are
/// measured against: Mosquitto (MQTT 5 over TLS) and ngIRCd (IRC over TLS). For those a ``PeerAdapter`` behind the
/// TLS handler turns the peer's protocol into SecureChat's lines and back, so every mode drives every server the
/// same way.
enum PeerProtocol: String, CaseIterable, ExpressibleByArgument, Sendable {
    case securechat
    case mqtt
    case irc
    /// SecureChat's own protocol over its WebSocket (the web side, docs/WEB.md), to measure what it costs.
    case websocket

    /// The room every connection joins: an MQTT topic or an IRC channel.
    static let room = "bench"
}
