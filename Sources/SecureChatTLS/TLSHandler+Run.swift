import NIOCore

extension TLSHandler {
    /// The one place that turns state machine actions into OpenSSL calls and channel operations.
    func run(
        _ action: TLSHandlerStateMachine.Action,
        context: ChannelHandlerContext,
        closePromise: EventLoopPromise<Void>? = nil
    ) {
        switch action {
        case .none, .discardBytes:
            break
        case .startHandshake:
            startHandshakeTimer(context: context)
            stepHandshake(context: context)
        case .startHandshakeTimer:
            startHandshakeTimer(context: context)
        case .continueHandshake:
            stepHandshake(context: context)
        case .completeHandshake:
            cancelHandshakeTimer()
            // The handshake's last flight (a server's TLS 1.3 tickets, a client's Finished) goes out with the first
            // application data when there is some: writes buffered during the handshake, or what the application
            // writes on hearing of the completion (a server's greeting). One system call instead of two.
            writeFlushedPlaintext(context: context)
            context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(engine.connection!.sessionInfo()))
            flushCiphertext(context: context)
            // The peer's first application data may have arrived in the same read as its Finished message.
            if stateMachine.state == .active {
                readPlaintext(context: context)
            }
        case .readPlaintext:
            readPlaintext(context: context)
        case .markFlush:
            pendingWrites.markFlushed()
        case .flushPlaintext:
            pendingWrites.markFlushed()
            writeFlushedPlaintext(context: context)
        case .sendCloseNotifyAndClose:
            failPendingWrites(TLSError(.channelClosed, detail: "closed before these writes were flushed"))
            if case .failed(let error) = engine.shutdown() {
                context.fireErrorCaught(error)
            }
            flushCiphertext(context: context)
            context.close(promise: closePromise)
        case .forwardClose:
            cancelHandshakeTimer()
            context.close(promise: closePromise)
        case .failAndClose(let error):
            cancelHandshakeTimer()
            flushCiphertext(context: context)  // any alert OpenSSL queued tells the peer why
            context.fireErrorCaught(error)
            context.close(promise: closePromise)
        case .fireInactive:
            cancelHandshakeTimer()
            failPendingWrites(TLSError(.channelClosed, detail: "connection closed"))
            context.fireChannelInactive()
        case .fireErrorAndInactive(let error):
            cancelHandshakeTimer()
            failPendingWrites(TLSError(.channelClosed, detail: "connection closed"))
            context.fireErrorCaught(error)
            context.fireChannelInactive()
        }
    }

    private func stepHandshake(context: ChannelHandlerContext) {
        guard let connection = engine.connection else {
            preconditionFailure("a handshake step after the handover")
        }
        switch connection.handshake() {
        case .incomplete:
            flushCiphertext(context: context)
        case .complete:
            run(stateMachine.handshakeCompleted(), context: context)
        case .failed(let error):
            run(stateMachine.handshakeFailed(error), context: context)
        }
    }

    /// Decrypts every whole record received and passes the plaintext on in one read; only then tells the state
    /// machine about close_notify or a protocol error, so the application may still answer what it just read.
    /// Ciphertext OpenSSL produced meanwhile (alerts, key update replies) is flushed.
    private func readPlaintext(context: ChannelHandlerContext) {
        var plaintext = context.channel.allocator.buffer(capacity: 0)
        var closeNotifyReceived = false
        var failure: TLSError?
        reading: while true {
            switch engine.read(into: &plaintext) {
            case .complete(.bytes):
                continue
            case .complete(.closeNotify):
                closeNotifyReceived = true
                break reading
            case .incomplete:
                break reading
            case .failed(let error):
                failure = error
                break reading
            }
        }
        flushCiphertext(context: context)
        if plaintext.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(plaintext))
        }
        if let failure {
            run(stateMachine.connectionFailed(failure), context: context)
        } else if closeNotifyReceived {
            run(stateMachine.closeNotifyReceived(), context: context)
        } else if awaitingHandover, stateMachine.state == .active {
            handOverIfReady(context: context)
        }
    }

    /// Hands a TLS 1.3 server connection over to ``TLS13RecordLayer`` once OpenSSL holds none of its bytes, freeing
    /// the `SSL`; checked after each read until it happens or cannot.
    private func handOverIfReady(context: ChannelHandlerContext) {
        guard let connection = engine.connection else {
            awaitingHandover = false
            return
        }
        flushCiphertext(context: context)
        switch connection.handOver(recordsPerKey: recordsPerKey) {
        case .notYet:
            return
        case .never:
            awaitingHandover = false
            connection.stopWatchingForHandover()
        case .handedOver(let layer):
            awaitingHandover = false
            connection.close()
            engine = .recordLayer(layer)
            context.fireUserInboundEventTriggered(TLSUserEvent.recordLayerHandedOver)
            if layer.inboundBytes > 0 {
                readPlaintext(context: context)  // what the peer sent that OpenSSL had not read yet
            }
        }
    }

    /// Encrypts the flushed writes together (fewer records) and sends the resulting ciphertext in one write.
    private func writeFlushedPlaintext(context: ChannelHandlerContext) {
        guard let (plaintext, promises) = pendingWrites.takeFlushed() else {
            return
        }
        switch engine.write(plaintext) {
        case .complete:
            flushCiphertext(context: context, completing: promises)
        case .incomplete:
            // OpenSSL wants to read first: keep the plaintext, flushed, for the next attempt.
            pendingWrites.putBack(plaintext, promise: combine(promises, on: context.eventLoop))
            flushCiphertext(context: context)
        case .failed(let error):
            promises.forEach { $0.fail(error) }
            run(stateMachine.connectionFailed(error), context: context)
        }
    }

    /// Writes and flushes all ciphertext OpenSSL produced; `promises` complete when that write does.
    func flushCiphertext(context: ChannelHandlerContext, completing promises: [EventLoopPromise<Void>] = []) {
        guard let ciphertext = engine.drainCiphertext() else {
            promises.forEach { $0.succeed() }
            return
        }
        let writePromise = combine(promises, on: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(ciphertext), promise: writePromise)
    }

    /// One promise that completes all of `promises`, or `nil` when there are none.
    private func combine(_ promises: [EventLoopPromise<Void>], on eventLoop: any EventLoop) -> EventLoopPromise<Void>? {
        guard !promises.isEmpty else {
            return nil
        }
        if promises.count == 1 {
            return promises[0]
        }
        let combined = eventLoop.makePromise(of: Void.self)
        combined.futureResult.whenComplete { result in
            promises.forEach { $0.completeWith(result) }
        }
        return combined
    }

    func failPendingWrites(_ error: TLSError) {
        for promise in pendingWrites.removeAll() {
            promise.fail(error)
        }
    }

    private func startHandshakeTimer(context: ChannelHandlerContext) {
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) {
            self.handshakeTimer = nil
            self.run(self.stateMachine.handshakeTimedOut(), context: context)
        }
    }

    func cancelHandshakeTimer() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }
}
