internal import COpenSSL
import NIOCore

/// What ``TLSConnection/handOver(recordsPerKey:)`` found.
enum TLSHandoverOutcome {
    /// Not now: OpenSSL still holds bytes of a record, or the handshake's last records are not out.
    case notYet
    /// Never for this connection (TLS 1.2, an early key update, a suite we do not run): it stays with OpenSSL.
    case never(String)
    /// The record layer that continues the connection; the `SSL` is no longer needed.
    case handedOver(TLS13RecordLayer)
}

extension TLSConnection {
    /// The key-log callback, set on server contexts that hand connections over: keeps the application traffic
    /// secrets of the connection being handshaken.
    static let keyLogCallback: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Void = { ssl, line in
        guard let ssl, let line, let connection = TLSConnection.loadFromSSL(ssl),
            connection.handoverWatch != nil
        else { return }
        connection.handoverWatch!.keyLogged(line)
    }

    /// The message callback, set on the same contexts: counts the records each application key protected.
    static let messageCallback:
        @convention(c) (
            Int32, Int32, Int32, UnsafeRawPointer?, Int, OpaquePointer?, UnsafeMutableRawPointer?
        ) -> Void = { written, _, contentType, bytes, length, ssl, _ in
            guard
                contentType == TLS13HandoverWatch.innerContentType
                    || contentType == TLS13HandoverWatch.handshakeContent,
                let ssl, let connection = TLSConnection.loadFromSSL(ssl), connection.handoverWatch != nil
            else { return }
            connection.handoverWatch!.message(
                written: written == 1,
                contentType: contentType,
                bytes: UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : length)
            )
        }

    /// For a connection that stays with OpenSSL: drops what was learnt and stops the message callback, which would
    /// otherwise run for every record of the connection's life.
    func stopWatchingForHandover() {
        handoverWatch = nil
        SSL_set_msg_callback(ssl, nil)
    }

    /// Moves a completed TLS 1.3 server connection's record layer out of OpenSSL, when OpenSSL holds none of the
    /// peer's bytes (no partial record, no unread plaintext) and all it wrote was drained: the stream is then at a
    /// record boundary both ways. Unread ciphertext moves to the record layer. Afterwards this connection must only
    /// be closed and released (its `SSL` is freed with it).
    func handOver(recordsPerKey: UInt64 = TLS13CipherSuite.recordsPerKey) -> TLSHandoverOutcome {
        guard let watch = handoverWatch else { return .never("handover is off") }
        if let refusal = watch.refusal { return .never(refusal) }
        guard SSL_version(ssl) == TLS1_3_VERSION else { return .never("not TLS 1.3") }
        guard let cipher = SSL_get_current_cipher(ssl),
            let suite = TLS13CipherSuite(protocolID: SSL_CIPHER_get_protocol_id(cipher))
        else {
            return .never("an unknown cipher suite")
        }
        guard TLS13RecordCipher.isAvailable(suite) else { return .never("OpenSSL has no \(suite.cipherName)") }
        guard watch.isComplete, SSL_is_init_finished(ssl) == 1 else {
            let finished = watch.serverFinishedWritten && watch.clientFinishedRead
            return finished && SSL_is_init_finished(ssl) == 1 ? .never("OpenSSL logged no traffic secrets") : .notYet
        }
        // Between records: OpenSSL holds no partial record (it is only given whole ones, `recordAllowance`) and no
        // record nobody read; "RH" (expecting a header) confirms it on OpenSSL 3.0.
        guard recordAllowance == 0, SSL_has_pending(ssl) == 0, String(cString: SSL_rstate_string(ssl)) == "RH",
            outboundBytes == 0
        else { return .notYet }
        let layer: TLS13RecordLayer
        do {
            layer = try TLS13RecordLayer(
                suite: suite,
                readSecret: watch.clientSecret!,
                readSequence: watch.recordsRead,
                writeSecret: watch.serverSecret!,
                writeSequence: watch.recordsWritten,
                recordsPerKey: recordsPerKey
            )
        } catch {
            return .never("\(error)")
        }
        if let rest = takeAllInbound() {
            layer.receive(rest)
        }
        handoverWatch = nil
        // Freeing an `SSL` that never sent close_notify drops its session from the cache; this one is alive and well,
        // its shutdown is now the record layer's.
        SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN)
        return .handedOver(layer)
    }
}
