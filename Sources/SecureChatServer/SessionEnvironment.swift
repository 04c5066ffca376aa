import ChatCore
import Logging
import NIOCore
import SecureChatWeb
import Synchronization

/// What every connection's session shares with every other: one instance per server, so each connection holds one
/// reference to it rather than a copy of each part (idle connections are counted in thousands).
final class SessionEnvironment: Sendable {
    /// The limits a reload may change; a session reads them once, when it starts.
    struct Limits: Sendable {
        /// How long a connection may take to log in.
        var loginTimeout: TimeAmount
        /// The chat-line budget of each session (``FloodGuard``).
        var rateBurst: Double
        var ratePerSecond: Double

        init(_ configuration: ServerConfiguration) {
            loginTimeout = configuration.loginTimeout
            rateBurst = configuration.rateBurst
            ratePerSecond = configuration.ratePerSecond
        }
    }

    let service: ChatService
    let delivery: LocalDeliverySink
    /// What the operator's metrics count.
    let metrics: ServerMetrics
    /// The longest line accepted, for the `line-too-long` answer.
    let maximumLineLength: Int
    /// The web side (the page and the WebSocket), unless `--web off`.
    let web: WebTransport?
    private let currentLimits: Mutex<Limits>
    /// The server's logger, without any connection's metadata.
    let logger: Logger

    init(
        service: ChatService,
        delivery: LocalDeliverySink,
        metrics: ServerMetrics = ServerMetrics(version: ServerOperations.version),
        configuration: ServerConfiguration,
        logger: Logger
    ) {
        self.service = service
        self.delivery = delivery
        self.metrics = metrics
        self.maximumLineLength = configuration.maximumLineLength
        self.web = configuration.web.map(WebTransport.init)
        self.currentLimits = Mutex(Limits(configuration))
        self.logger = logger
    }

    var limits: Limits {
        get { currentLimits.withLock { $0 } }
        set { currentLimits.withLock { $0 = newValue } }
    }
}
