import ChatCore
import Logging
import NIOCore

/// What every connection's session shares with every other: one instance per server, so each connection holds one
/// reference to it rather than a copy of each part (idle connections are counted in thousands).
final class SessionEnvironment: Sendable {
    let service: ChatService
    let delivery: LocalDeliverySink
    /// How long a connection may take to log in.
    let loginTimeout: TimeAmount
    /// The longest line accepted, for the `line-too-long` answer.
    let maximumLineLength: Int
    /// The chat-line budget of each session (``FloodGuard``).
    let rateBurst: Double
    let ratePerSecond: Double
    /// The server's logger, without any connection's metadata.
    let logger: Logger

    init(service: ChatService, delivery: LocalDeliverySink, configuration: ServerConfiguration, logger: Logger) {
        self.service = service
        self.delivery = delivery
        self.loginTimeout = configuration.loginTimeout
        self.maximumLineLength = configuration.maximumLineLength
        self.rateBurst = configuration.rateBurst
        self.ratePerSecond = configuration.ratePerSecond
        self.logger = logger
    }
}
