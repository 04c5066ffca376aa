/// The life of one TLS channel as a pure value: each NIO or OpenSSL event goes in, the thing to do comes out.
/// No I/O, no clock; ``TLSHandler`` interprets the actions.
///
/// `idle` → `handshaking` → `active` → `closing` (our close_notify is out, the channel is closing) → `closed`.
/// A failure at any point goes straight to `closed`.
struct TLSHandlerStateMachine {
    enum State: Equatable {
        /// Added to a channel that is not active yet.
        case idle
        /// Handshake messages are flowing; application writes are buffered.
        case handshaking
        /// Application data flows both ways.
        case active
        /// We sent close_notify and asked the channel to close.
        case closing
        /// Closed or failed; nothing more is read or written.
        case closed
    }

    enum Action: Equatable {
        /// Nothing to do.
        case none
        /// Start the handshake timer and take the first handshake step.
        case startHandshake
        /// Start the handshake timer only: a server takes its first step when the ClientHello arrives, so a
        /// connection that never sends one holds none of OpenSSL's handshake buffers.
        case startHandshakeTimer
        /// Take another handshake step with the bytes just received.
        case continueHandshake
        /// Cancel the timer, send buffered writes, announce the session, then read: app data may share the read.
        case completeHandshake
        /// Decrypt whatever records have arrived.
        case readPlaintext
        /// Drop bytes that arrive after we stopped reading.
        case discardBytes
        /// Remember that the writes so far were flushed; send them once the handshake completes.
        case markFlush
        /// Encrypt and send every buffered write.
        case flushPlaintext
        /// Send close_notify, flush it, then close the channel.
        case sendCloseNotifyAndClose
        /// Close the channel without a TLS goodbye (none is possible or it was already sent).
        case forwardClose
        /// Report the error up the pipeline, then close this channel.
        case failAndClose(TLSError)
        /// Fail buffered writes and pass channelInactive on.
        case fireInactive
        /// Report the error (truncation or an unfinished handshake), fail buffered writes and pass channelInactive on.
        case fireErrorAndInactive(TLSError)
    }

    /// What to do with one application write.
    enum WriteAction: Equatable {
        /// Keep the plaintext until a flush (coalescing into fewer records).
        case buffer
        /// Refuse the write.
        case fail(TLSError)
    }

    private(set) var state: State = .idle

    /// The channel is active; `waitForPeer` is true for a server, which speaks only after the ClientHello.
    mutating func channelActive(waitForPeer: Bool = false) -> Action {
        switch state {
        case .idle:
            state = .handshaking
            return waitForPeer ? .startHandshakeTimer : .startHandshake
        case .closed:
            return .none
        case .handshaking, .active, .closing:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    mutating func bytesReceived() -> Action {
        switch state {
        case .idle:
            state = .handshaking
            return .startHandshake
        case .handshaking:
            return .continueHandshake
        case .active:
            return .readPlaintext
        case .closing, .closed:
            return .discardBytes
        }
    }

    mutating func handshakeCompleted() -> Action {
        switch state {
        case .handshaking:
            state = .active
            return .completeHandshake
        case .idle, .active, .closing, .closed:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    mutating func handshakeFailed(_ error: TLSError) -> Action {
        switch state {
        case .handshaking:
            state = .closed
            return .failAndClose(error)
        case .idle, .active, .closing, .closed:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    mutating func handshakeTimedOut() -> Action {
        switch state {
        case .handshaking:
            state = .closed
            return .failAndClose(TLSError(.handshakeTimeout, detail: "no complete handshake within the time limit"))
        case .active, .closing, .closed:
            return .none  // The timer lost a race with completion or close.
        case .idle:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    /// Reading or writing application data failed (a protocol error from the peer).
    mutating func connectionFailed(_ error: TLSError) -> Action {
        switch state {
        case .active:
            state = .closed
            return .failAndClose(error)
        case .closing, .closed:
            return .none
        case .idle, .handshaking:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    mutating func closeNotifyReceived() -> Action {
        switch state {
        case .active:
            state = .closing
            return .sendCloseNotifyAndClose
        case .closing, .closed:
            return .none
        case .idle, .handshaking:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    mutating func closeRequested() -> Action {
        switch state {
        case .idle, .handshaking:
            state = .closed
            return .forwardClose
        case .active:
            state = .closing
            return .sendCloseNotifyAndClose
        case .closing, .closed:
            return .forwardClose
        }
    }

    func writeRequested() -> WriteAction {
        switch state {
        case .idle, .handshaking, .active:
            return .buffer
        case .closing, .closed:
            return .fail(TLSError(.channelClosed, detail: "write after close"))
        }
    }

    mutating func flushRequested() -> Action {
        switch state {
        case .idle, .handshaking:
            return .markFlush
        case .active:
            return .flushPlaintext
        case .closing, .closed:
            return .none
        }
    }

    mutating func channelInactive() -> Action {
        switch state {
        case .idle, .closing, .closed:
            state = .closed
            return .fireInactive
        case .handshaking:
            state = .closed
            return .fireErrorAndInactive(
                TLSError(.handshakeFailed, detail: "the peer closed the connection during the handshake")
            )
        case .active:
            state = .closed
            return .fireErrorAndInactive(TLSError(.uncleanShutdown, detail: "connection closed without close_notify"))
        }
    }
}
