public import NIOCore

/// A channel handler that runs TLS over a channel, for either role (taken from the ``TLSContext``'s configuration).
///
/// Inbound it takes ciphertext and passes plaintext on; outbound it takes plaintext and writes ciphertext.
/// Put it first in the pipeline. After a successful handshake it fires ``TLSUserEvent/handshakeCompleted(_:)``;
/// failures reach `errorCaught` as a ``TLSError`` saying why (certificate refused, unsupported protocol, not TLS,
/// handshake timeout, truncation) and then the channel is closed.
///
/// Writes are buffered until `flush`, then encrypted together. Writes made before the handshake completes are sent
/// after it, up to ``maximumBufferedPlaintext`` bytes; beyond that they fail with ``TLSError/writeBufferFull``.
/// `close` sends close_notify first. One handler serves one channel.
public final class TLSHandler: ChannelDuplexHandler {
    /// Ciphertext from the network.
    public typealias InboundIn = ByteBuffer
    /// Plaintext for the next handler.
    public typealias InboundOut = ByteBuffer
    /// Plaintext from the application.
    public typealias OutboundIn = ByteBuffer
    /// Ciphertext for the network.
    public typealias OutboundOut = ByteBuffer

    /// The most plaintext (bytes) buffered while waiting for the handshake or a flush.
    public static let maximumBufferedPlaintext = 1024 * 1024

    /// OpenSSL until a TLS 1.3 server connection is handed over, then our record layer.
    var engine: TLSEngine
    let role: TLSConfiguration.Role
    /// The connection will be handed over once OpenSSL holds nothing of the peer's (``handOverIfReady(context:)``).
    var awaitingHandover: Bool
    let recordsPerKey: UInt64
    let handshakeTimeout: TimeAmount
    var stateMachine = TLSHandlerStateMachine()
    var pendingWrites = PendingWrites(capacity: TLSHandler.maximumBufferedPlaintext)
    var handshakeTimer: Scheduled<Void>?
    /// A read the channel asked for while it was not writable, to be passed on once it is writable again.
    var readHeldBack = false
    /// This handler's context while it is in a pipeline, for ``TLSDirectWriter``; cleared in `handlerRemoved`
    /// (the context holds the handler, so keeping it longer would be a cycle).
    var directContext: ChannelHandlerContext?

    /// A handler for one new connection made from `context`.
    ///
    /// - Throws: ``TLSError`` if OpenSSL cannot make the connection state (for example an unusable host name).
    public init(context: TLSContext) throws {
        let connection = try context.makeConnection()
        self.engine = .openSSL(connection)
        self.role = connection.role
        self.awaitingHandover = connection.handoverWatch != nil
        self.recordsPerKey = context.configuration.handoverRecordsPerKey
        self.handshakeTimeout = TimeAmount(context.configuration.handshakeTimeout)
    }

    /// Starts the handshake at once when added to an active channel.
    public func handlerAdded(context: ChannelHandlerContext) {
        directContext = context
        if context.channel.isActive {
            run(stateMachine.channelActive(waitForPeer: role == .server), context: context)
        }
    }

    /// Cancels the timer, fails buffered writes and releases the connection's buffers.
    public func handlerRemoved(context: ChannelHandlerContext) {
        directContext = nil
        cancelHandshakeTimer()
        failPendingWrites(TLSError(.channelClosed, detail: "TLS handler removed"))
        engine.close()
    }

    /// Passes channelActive on, then starts the handshake.
    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        run(stateMachine.channelActive(waitForPeer: role == .server), context: context)
    }

    /// Reports truncation if the peer closed without close_notify, then passes channelInactive on.
    public func channelInactive(context: ChannelHandlerContext) {
        run(stateMachine.channelInactive(), context: context)
    }

    /// Feeds ciphertext to OpenSSL and advances the handshake or reads plaintext.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        let action = stateMachine.bytesReceived()
        if action != .discardBytes {
            engine.receive(ciphertext)
        }
        run(action, context: context)
    }

    /// Passes writability changes on, so the application can stop producing when the socket is full, and lets a
    /// held-back read through once the channel is writable again.
    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeldBack {
            readHeldBack = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    /// Back-pressure: while the channel cannot take more writes, stop pulling more ciphertext from the peer (whose
    /// requests would only produce more output to buffer).
    public func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeldBack = true
        }
    }

    /// Buffers plaintext until the next flush (and until the handshake completes).
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        bufferWrite(unwrapOutboundIn(data), promise: promise)
    }

    /// The body of `write`, also used by ``TLSDirectWriter``.
    func bufferWrite(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?) {
        switch stateMachine.writeRequested() {
        case .buffer:
            if !pendingWrites.append(plaintext, promise: promise) {
                promise?.fail(
                    TLSError(
                        .writeBufferFull,
                        detail: "more than \(Self.maximumBufferedPlaintext) bytes waiting to be encrypted"
                    )
                )
            }
        case .fail(let error):
            promise?.fail(error)
        }
    }

    /// Encrypts everything buffered and writes the ciphertext once (after the handshake, if it is still running).
    public func flush(context: ChannelHandlerContext) {
        run(stateMachine.flushRequested(), context: context)
    }

    /// A full close sends close_notify, flushes it, then closes; half-closes are passed on unchanged.
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        run(stateMachine.closeRequested(), context: context, closePromise: promise)
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
