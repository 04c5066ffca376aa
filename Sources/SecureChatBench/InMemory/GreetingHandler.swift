import NIOCore
import SecureChatTLS

/// Answers the end of the server's handshake with one line, as the chat server greets a new connection with its
/// `PROMPT`, so an in-memory handshake carries the same first application record as a real one.
final class GreetingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let line = "PROMPT Enter username:\r\n"

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.line)), promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Plaintext from the client is dropped here: the measurement is of the TLS layer, not of a session.
    }
}
