import ChatTransport
import Logging
import NIOCore
public import NIOWebSocket
public import SecureChatTLS

/// Told to the handlers after the bridge once the WebSocket is open: the connection's session starts here, as a
/// line connection's starts at the end of its TLS handshake.
public struct WebSocketOpened: Sendable {
    /// The connection's TLS handshake, kept until now.
    public let tls: TLSSessionInfo
}

/// Where a web connection meets the session: it sits in front of the session's handler from the moment HTTP is
/// chosen. Before the upgrade it lets nothing through either way (the session's lines have nowhere to go, and the
/// page handler answers the requests). Once open, a text message in is an ``InboundFrame`` line (as
/// ``WebSocketLines`` decides), and each line the session writes out is one text frame.
///
/// Closing an open connection sends a close frame first (`1000`, the session has just said `BYE`); one the client
/// or the frame handlers began is not closed twice.
final class WebSocketLineBridge: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = InboundFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private enum State { case http, open, closing }

    private var state = State.http
    private var lines: WebSocketLines
    /// Until the session has it: a web connection should not hold the handshake (and the client's certificate)
    /// for its whole life.
    private var tls: TLSSessionInfo?
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    /// Whether lines may go out as text frames: open, and no close frame sent or received.
    var isOpen: Bool { state == .open }

    init(settings: WebSettings, tls: TLSSessionInfo) {
        self.lines = WebSocketLines(settings: settings)
        self.tls = tls
        self.started = clock.now
    }

    /// The upgrade is done and the frame handlers are in front: the session may begin.
    func open(context: ChannelHandlerContext) {
        guard state == .http, let tls else { return }
        state = .open
        self.tls = nil
        context.fireUserInboundEventTriggered(WebSocketOpened(tls: tls))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state == .open else { return }
        let now = (clock.now - started) / .seconds(1)
        switch lines.received(unwrapInboundIn(data), now: now) {
        case .line(let line):
            context.fireChannelRead(wrapInboundOut(.line(line)))
        case .pong(let payload):
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)),
                promise: nil
            )
        case .none:
            break
        case .close(let code, let reason):
            sendClose(code, reason: reason, context: context)
            // For the connection's log (the session's handler closes the connection on an error).
            if code != .normalClosure { context.fireErrorCaught(WebSocketClosed(code: code, reason: reason)) }
            context.close(promise: nil)
        }
    }

    /// Every line of the buffer becomes one text frame, without its newline; the buffer's storage is shared, not
    /// copied (a room's line goes to every member from one buffer).
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard state == .open else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var buffer = unwrapOutboundIn(data)
        if buffer.readableBytes == 0 { promise?.succeed(()) }
        while buffer.readableBytes > 0 {
            let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n"))
            let length = end.map { $0 - buffer.readerIndex } ?? buffer.readableBytes
            let line = buffer.readSlice(length: length)!
            if end != nil { buffer.moveReaderIndex(forwardBy: 1) }
            let frame = WebSocketFrame(fin: true, opcode: .text, data: line)
            context.write(wrapOutboundOut(frame), promise: buffer.readableBytes == 0 ? promise : nil)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all { sendClose(.normalClosure, reason: "", context: context) }
        context.close(mode: mode, promise: promise)
    }

    /// A frame the decoder refused was answered with a close frame by the handler before this one.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOWebSocketError { state = .closing }
        context.fireErrorCaught(error)
    }

    private func sendClose(_ code: WebSocketErrorCode, reason: String, context: ChannelHandlerContext) {
        guard state == .open else { return }
        state = .closing
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        context.writeAndFlush(
            wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)),
            promise: nil
        )
    }
}

/// Why the server closed a WebSocket: for the connection's log.
public struct WebSocketClosed: Error, CustomStringConvertible {
    public let code: WebSocketErrorCode
    public let reason: String

    public var description: String { "WebSocket closed (\(UInt16(webSocketErrorCode: code))): \(reason)" }
}

@available(*, unavailable)
extension WebSocketLineBridge: Sendable {}
