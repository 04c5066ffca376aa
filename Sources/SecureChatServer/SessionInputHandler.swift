import ChatCore
import ChatTransport
import Logging
import NIOCore
import SecureChatTLS

/// Turns frames and TLS/timer user events into one ordered stream of `SessionInput` for the session loop; probes
/// and drops silent connections; and drops a connection whose outbound queue passes its limit (a reader that does
/// not read).
final class SessionInputHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame
    typealias InboundOut = SessionInput
    typealias OutboundOut = ByteBuffer

    private let logger: Logger
    private var probed = false

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        probed = false
        context.fireChannelRead(wrapInboundOut(.frame(unwrapInboundIn(data))))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case TLSUserEvent.handshakeCompleted(let info):
            deliver(.established(info), context: context)
        case SessionTimerEvent.loginDeadline:
            deliver(.loginTimedOut, context: context)
        case SessionTimerEvent.certificateExpiry:
            deliver(.certificateExpired, context: context)
        case IdleStateHandler.IdleStateEvent.read:
            keepAlive(context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            logger.warning("slow reader: outbound queue over its limit, closing the connection")
            context.close(promise: nil)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.notice("connection error: \(error)")
        if error is LineFrameDecoder.TooMuchOverlongData {
            let bye = ReplyFormatter.bytes(for: .bye("too much data without a newline"))
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bye)), promise: nil)
        }
        context.close(promise: nil)
    }

    /// Hands an input that did not come from a socket read to the session; the async channel only passes reads on
    /// at read-complete, so one is fired too.
    private func deliver(_ input: SessionInput, context: ChannelHandlerContext) {
        context.fireChannelRead(wrapInboundOut(input))
        context.fireChannelReadComplete()
    }

    private func keepAlive(context: ChannelHandlerContext) {
        if probed {
            logger.info("idle timeout: no answer to the keep-alive probe, closing the connection")
            // Close at once: a peer that reads nothing would never let the goodbye's write complete.
            let bye = context.channel.allocator.buffer(bytes: ReplyFormatter.bytes(for: .bye("idle timeout")))
            context.writeAndFlush(wrapOutboundOut(bye), promise: nil)
            context.close(promise: nil)
            return
        }
        probed = true
        let ping = context.channel.allocator.buffer(bytes: ReplyFormatter.bytes(for: .ping))
        context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
    }
}
