public import NIOHTTP1

/// Why a WebSocket handshake was not accepted: the page handler answers the request with it.
public struct WebUpgradeRefusal: Error, Sendable, Equatable {
    public let status: HTTPResponseStatus
    public let reason: String

    public init(_ status: HTTPResponseStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }
}
