import ChatCore
import ChatTransport
import Logging
import NIOCore
import SecureChatTLS

/// Turns frames, TLS/timer user events and the channel's life into one ordered stream of `SessionInput` for the
/// connection's session; probes and drops silent connections; and drops a connection whose outbound queue passes
/// its limit (a reader that does not read).
final class SessionInputHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundOut = ByteBuffer

    private let logger: Logger
    private var session: ConnectionSession?
    private var probed = false

    init(logger: Logger, session: ConnectionSession) {
        self.logger = logger
        self.session = session
    }

    func handlerAdded(context: ChannelHandlerContext) {
        session?.enqueue(.opened)
    }

    /// Tells the session the connection is gone (once), and drops the reference so nothing keeps a cycle alive.
    func handlerRemoved(context: ChannelHandlerContext) {
        session?.enqueue(.closed)
        session = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.enqueue(.closed)
        session = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        probed = false
        session?.enqueue(.frame(unwrapInboundIn(data)))
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

    private func deliver(_ input: SessionInput, context: ChannelHandlerContext) {
        session?.enqueue(input)
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
