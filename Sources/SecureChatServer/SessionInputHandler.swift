import ChatCore
import ChatTransport
import Logging
import NIOCore
import SecureChatTLS
import SecureChatWeb

/// Turns lines (framed by the `LineFramingHandler` before it), TLS/timer user events and the channel's life into one
/// ordered stream of `SessionInput` for the connection's session; probes and drops silent connections (its loop's
/// ``IdleSweeper`` asks it every quarter of the idle timeout); and drops a connection whose outbound queue passes
/// its limit (a reader that does not read).
final class SessionInputHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundOut = ByteBuffer

    /// The server's logger (in the sessions' shared environment); while the session is there its logger (with the
    /// connection's metadata) is used.
    private let environment: SessionEnvironment
    private var session: ConnectionSession?
    private var logger: Logger { session?.connectionLogger ?? environment.logger }
    private let sweeper: IdleSweeper
    /// Set while the sweeper watches this handler (so the sweep can write); cleared when the handler goes.
    private var context: ChannelHandlerContext?
    private var probed = false
    private var heardSinceSweep = false
    private var quietSweeps = 0
    /// The session that was given lines of the current read and has not yet been told the read ended. Kept apart
    /// from `session`: a line may end the connection (which drops `session`) and the read must still end for it.
    private var reader: ConnectionSession?
    /// Set while a line is handed to the session: carrying it out may close the connection there and then, and the
    /// read ends only once that line is queued.
    private var handingOver = false
    /// Whether the end of the TLS handshake, one way or the other, has been counted.
    private var handshakeCounted = false

    init(session: ConnectionSession, sweeper: IdleSweeper) {
        self.environment = session.environment
        self.session = session
        self.sweeper = sweeper
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        sweeper.watch(self)
        session?.enqueue(.opened)
    }

    /// Tells the session the connection is gone (once), and drops the references so nothing keeps a cycle alive.
    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    /// The session hears `.closed` behind the lines of a read not yet ended, then the read ends.
    private func stop() {
        if !handshakeCounted {
            handshakeCounted = true
            environment.metrics.handshakeFailed("closed")
        }
        if self.context != nil {
            self.context = nil
            sweeper.unwatch(self)
        }
        session?.enqueue(.closed)
        session = nil
        if !handingOver { endRead() }
    }

    /// Every line of a read is queued before the session starts on any of them (`readEnded`, at the read's
    /// `channelReadComplete`): a batch of pipelined commands or chat lines is then carried out together.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        heardSinceSweep = true
        probed = false
        environment.metrics.lineReceived()
        guard let session else { return }
        reader = session
        handingOver = true
        session.enqueue(.frame(unwrapInboundIn(data)), moreMayFollow: true)
        handingOver = false
        // The line closed the connection: nothing more of this read reaches the session.
        if self.session == nil { endRead() }
    }

    /// Any bytes from the peer, even part of a line, count as a sign of life.
    func channelReadComplete(context: ChannelHandlerContext) {
        heardSinceSweep = true
        endRead()
        context.fireChannelReadComplete()
    }

    private func endRead() {
        guard let reader else { return }
        self.reader = nil
        reader.readEnded()
    }

    /// Called by the sweeper: after a whole idle timeout of silence, probes the peer, and drops it if the probe
    /// itself went unanswered for as long. Before `WELCOME` nothing but the login's own lines may be sent (ordering
    /// rule 1), and the login deadline limits that time instead, so silence counts only from the login on.
    func sweep() {
        if heardSinceSweep || session?.hasJoined != true {
            heardSinceSweep = false
            quietSweeps = 0
            return
        }
        quietSweeps += 1
        guard quietSweeps >= IdleSweeper.sweepsPerTimeout, let context else { return }
        quietSweeps = 0
        keepAlive(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case TLSUserEvent.handshakeCompleted(let info):
            handshakeCounted = true
            environment.metrics.handshakeSucceeded()
            if let web = environment.web, web.isWeb(info) {
                becomeWeb(web, tls: info, context: context)
            } else {
                deliver(.established(info), context: context)
            }
        case TLSUserEvent.recordLayerHandedOver:
            environment.metrics.recordLayerHandedOver()
        case let opened as WebSocketOpened:
            if let session { environment.delivery.writeAsWebSocket(session.id, channel: context.channel) }
            deliver(.established(opened.tls), context: context)
        case SessionTimerEvent.loginDeadline:
            deliver(.loginTimedOut, context: context)
        case SessionTimerEvent.certificateExpiry:
            deliver(.certificateExpired, context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            environment.metrics.slowReaderDropped()
            logger.warning(
                "slow reader: outbound queue over its limit, closing the connection",
                metadata: ["event": "slow-reader"]
            )
            context.close(promise: nil)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeCounted {
            handshakeCounted = true
            environment.metrics.handshakeFailed((error as? TLSError)?.kind ?? "other")
        }
        logger.notice("connection error: \(error)")
        if error is LineFrameDecoder.TooMuchOverlongData {
            let bye = ReplyFormatter.bytes(for: .bye("too much data without a newline"))
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bye)), promise: nil)
        }
        context.close(promise: nil)
    }

    /// The handshake chose HTTP: the web side takes the place of the line framer, and the session starts only once the
    /// WebSocket is open (``WebSocketOpened``); until then its lines go nowhere and the login deadline runs.
    private func becomeWeb(_ web: WebTransport, tls: TLSSessionInfo, context: ChannelHandlerContext) {
        do {
            let pipeline = context.pipeline.syncOperations
            try web.takeOver(
                pipeline,
                replacing: try pipeline.handler(type: LineFramingHandler.self),
                before: self,
                tls: tls
            )
            if let session {
                environment.delivery.writeThroughPipeline(session.id)
                // Known to a reload from now on, not only from the login: a CRL that revokes it closes the connection
                // while it is still fetching the page or opening the WebSocket.
                if var certificate = tls.peer, certificate.verified {
                    certificate.der = []
                    environment.delivery.attach(certificate, to: session.id)
                }
            }
            logger.debug("HTTP chosen by ALPN: serving the page and the WebSocket")
        } catch {
            logger.error("could not set up the web side of a connection: \(error)")
            context.close(promise: nil)
        }
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
