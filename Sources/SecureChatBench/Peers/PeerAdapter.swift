import NIOCore
import SecureChatTLS

/// Sits between `TLSHandler` and ``BenchLineHandler`` when the bench drives another server: the server's protocol
/// goes up as SecureChat lines and the bench's lines go down in the server's protocol, both through a
/// ``PeerTranslator``. Once the handshake is done it does what the translator opens with (for another server, hands
/// up a `PROMPT`, as SecureChat's server would send, so a connection that logs in answers it with its name).
final class PeerAdapter<Translator: PeerTranslator>: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var translator: Translator

    init(_ translator: Translator) {
        self.translator = translator
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case .handshakeCompleted = event as? TLSUserEvent {
            switch translator.opening() {
            case .up(let line):
                context.fireChannelRead(wrapInboundOut(line))
                context.fireChannelReadComplete()
            case .reply(let bytes):
                context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            case .none:
                break
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        translator.append(unwrapInboundIn(data))
        do {
            // Each action is taken after `next()` has returned: acting may write, which encodes through the
            // translator again.
            while let action = try translator.next() {
                switch action {
                case .none:
                    continue
                case .up(let line):
                    context.fireChannelRead(wrapInboundOut(line))
                case .reply(let bytes):
                    context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
                }
            }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let lines = unwrapOutboundIn(data)
        var out = context.channel.allocator.buffer(capacity: lines.readableBytes + 32)
        translator.encode(lines, into: &out)
        context.write(wrapOutboundOut(out), promise: promise)
    }
}
