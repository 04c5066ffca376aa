import ChatTransport
import NIOCore
import SecureChatTLS

/// The last handler of a client connection: waits for the TLS handshake and the server's first line, then hands
/// every line and the end of the connection to `deliver`.
///
/// `handshake` succeeds with the session information once ``TLSUserEvent/handshakeCompleted(_:)`` arrives;
/// `firstLine` succeeds with the first line (or is succeeded by a timer in ``ClientConnection``). Both fail with
/// the reason if the connection ends first, so a TLS 1.3 server that refuses the client certificate right after
/// the handshake is reported as a handshake failure.
final class ServerLineHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame

    private enum State {
        case handshaking
        case awaitingFirstLine
        case open
        case closed
    }

    private let handshake: EventLoopPromise<TLSSessionInfo>
    private let firstLine: EventLoopPromise<Void>
    private let deliver: @Sendable (ConnectionEvent) -> Void
    private var state = State.handshaking
    private var firstError: (any Error)?

    init(
        handshake: EventLoopPromise<TLSSessionInfo>,
        firstLine: EventLoopPromise<Void>,
        deliver: @escaping @Sendable (ConnectionEvent) -> Void
    ) {
        self.handshake = handshake
        self.firstLine = firstLine
        self.deliver = deliver
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted(let info) = tlsEvent {
            switch state {
            case .handshaking:
                state = .awaitingFirstLine
                handshake.succeed(info)
            case .awaitingFirstLine, .open, .closed:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let event: ConnectionEvent
        switch unwrapInboundIn(data) {
        case .line(let buffer):
            event = .line(ServerLine(bytes: buffer.readableBytesView))
        case .overlong:
            event = .overlongLine
        }
        switch state {
        case .awaitingFirstLine:
            state = .open
            firstLine.succeed(())
            deliver(event)
        case .open:
            deliver(event)
        case .handshaking, .closed:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if firstError == nil {
            firstError = error
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    private func finish() {
        // Until the first line, an error may still be the handshake's (with TLS 1.3 the server refuses a client
        // certificate after the client's side is done); once the session is open, it is told as it describes itself.
        let reason = firstError.map { error in
            if case .awaitingFirstLine = state, let description = HandshakeFailureDescription(error: error) {
                return description.description
            }
            return "\(error)"
        }
        switch state {
        case .handshaking:
            let error =
                firstError
                ?? ClientError(
                    .handshakeFailed,
                    detail: "the server closed the connection during the TLS handshake"
                )
            handshake.fail(error)
            firstLine.fail(error)
        case .awaitingFirstLine:
            firstLine.fail(firstError ?? ClientError(.connectionLost, detail: "the server closed the connection"))
            deliver(.closed(reason: reason))
        case .open:
            deliver(.closed(reason: reason))
        case .closed:
            return
        }
        state = .closed
    }
}
