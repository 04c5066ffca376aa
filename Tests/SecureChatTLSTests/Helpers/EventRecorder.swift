import NIOCore

@testable import SecureChatTLS

/// The last handler in a test pipeline: records plaintext, TLS events, errors and inactivity. Errors stop here, so
/// `EmbeddedChannel.writeInbound` does not rethrow them.
final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var received = ""
    private(set) var sessions: [TLSSessionInfo] = []
    /// How many times the record layer was handed over (at most once per connection).
    private(set) var handovers = 0
    private(set) var errors: [any Error] = []
    private(set) var becameInactive = false

    /// The errors that are ``TLSError``s.
    var tlsErrors: [TLSError] { errors.compactMap { $0 as? TLSError } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let info) = event as? TLSUserEvent {
            sessions.append(info)
        }
        if case .recordLayerHandedOver = event as? TLSUserEvent {
            handovers += 1
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        becameInactive = true
        context.fireChannelInactive()
    }
}
