internal import COpenSSL
import NIOCore

extension TLSConnection {
    /// Advances the handshake with the ciphertext received so far.
    func handshake() -> TLSOperationResult<Void> {
        precondition(!isClosed, "TLSConnection used after close()")
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            return .complete(())
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        default:
            return .failed(handshakeError())
        }
    }

    /// Decrypts at most one record's worth of plaintext from the received ciphertext, appending it to `buffer`.
    ///
    /// `.incomplete` means no whole record is waiting. A client's read that only absorbs TLS 1.3 session tickets
    /// is also `.incomplete`, not end of stream.
    func read(into buffer: inout ByteBuffer) -> TLSOperationResult<TLSReadOutcome> {
        precondition(!isClosed, "TLSConnection used after close()")
        OpenSSLErrorQueue.clear()
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { space in
            result = SSL_read(ssl, space.baseAddress, Int32(clamping: space.count))
            return result > 0 ? Int(result) : 0
        }
        if result > 0 {
            applicationDataMoved = true
            return .complete(.bytes(Int(result)))
        }
        if SSL_get_error(ssl, result) == SSL_ERROR_ZERO_RETURN {
            return .complete(.closeNotify)
        }
        return failure(of: result, context: "cannot read from the peer")
    }

    /// Encrypts all of `plaintext`. The BIO takes every byte, so a write never waits for the network; call
    /// ``drainCiphertext()`` afterwards.
    func write(_ plaintext: ByteBuffer) -> TLSOperationResult<Void> {
        precondition(!isClosed, "TLSConnection used after close()")
        guard plaintext.readableBytes > 0 else {
            return .complete(())
        }
        OpenSSLErrorQueue.clear()
        let result = plaintext.withUnsafeReadableBytes { bytes in
            SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        }
        if result == plaintext.readableBytes {
            applicationDataMoved = true
            return .complete(())
        }
        return failure(of: result, context: "cannot write to the peer")
    }

    /// Queues our close_notify alert. Does not wait for the peer's.
    func shutdown() -> TLSOperationResult<Void> {
        precondition(!isClosed, "TLSConnection used after close()")
        guard SSL_is_init_finished(ssl) == 1 else {
            return .complete(())
        }
        OpenSSLErrorQueue.clear()
        let result = SSL_shutdown(ssl)
        if result >= 0 {
            return .complete(())
        }
        return failure(of: result, context: "cannot send close_notify")
    }

    /// Maps a failed read, write or shutdown: "wants more I/O" is `.incomplete`, anything else drains the error
    /// queue into a `protocolFailure`.
    private func failure<Value>(of result: Int32, context: String) -> TLSOperationResult<Value> {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        default:
            return .failed(.drainingErrorQueue(.protocolFailure, context: context))
        }
    }

    private func handshakeError() -> TLSError {
        let entries = OpenSSLErrorQueue.drain()
        var failure = verifyFailure
        let verifyResult = SSL_get_verify_result(ssl)
        if failure == nil, verifyResult != X509_V_OK {
            failure = CertificateVerifyFailure(
                code: Int32(verifyResult),
                reason: String(cString: X509_verify_cert_error_string(verifyResult)),
                depth: 0,
                commonName: nil
            )
        }
        return .handshakeFailure(entries: entries, verifyFailure: failure)
    }
}
