/// What the web side of a server accepts: the origins a page may open the chat from, and the sizes it takes.
public struct WebSettings: Sendable, Equatable {
    /// Origins besides the server's own (`https://` and the request's `Host`) whose pages may open the chat, as
    /// `https://chat.example.org`; from `--web-origin`.
    public var allowedOrigins: [String]
    /// The longest text message a client may send: the longest line the session accepts.
    public var maximumMessageLength: Int
    /// How many frames one message may be split into.
    public var maximumFragments = 64
    /// Pings a client may send at once, and then per second.
    public var pingBurst: Double = 10
    public var pingsPerSecond: Double = 1
    /// HTTP requests one connection may make before it is closed (a browser needs three: the page, its script and
    /// its style).
    public var maximumRequestsPerConnection = 100

    public init(allowedOrigins: [String] = [], maximumMessageLength: Int) {
        self.allowedOrigins = allowedOrigins
        self.maximumMessageLength = maximumMessageLength
    }

    /// The one WebSocket subprotocol the server speaks: one protocol line per text frame.
    public static let subprotocol = "securechat.v1"
    /// Where the page opens its WebSocket.
    public static let chatPath = "/chat"
    /// The ALPN name that picks the web side; a client that offers none (or only others) gets the line protocol.
    public static let applicationProtocol = "http/1.1"
}
