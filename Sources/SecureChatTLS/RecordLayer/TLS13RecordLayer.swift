import NIOCore

/// A TLS 1.3 connection's record layer after the handshake, run by us once OpenSSL has handed it over (``TLSEngine``):
/// the same operations as ``TLSConnection`` (receive ciphertext, read and write plaintext, close_notify, drain
/// ciphertext), done with the traffic keys alone, so the connection no longer needs an `SSL`.
///
/// Protects and opens records as RFC 8446, 5 says (OpenSSL's AEADs do the cryptography, ``TLS13RecordCipher``), and
/// answers what may come after the handshake (``TLS13InnerContent``): application data, alerts, `KeyUpdate`. Updates its
/// own key before ``TLS13CipherSuite/recordsPerKey`` records. Any protocol violation queues the matching fatal alert and
/// fails; the handler then flushes the alert and closes the channel. Like ``TLSConnection``, it holds no ciphertext
/// storage while idle.
final class TLS13RecordLayer {
    /// TLSCiphertext's largest `length`: 2^14 of plaintext, the content type and 255 bytes of padding and tag
    /// (RFC 8446, 5.2).
    static let maximumCiphertextLength = (1 << 14) + 256
    static let headerLength = 5

    let suite: TLS13CipherSuite
    private(set) var readKeys: TLS13TrafficKeys
    private(set) var writeKeys: TLS13TrafficKeys
    /// Records per write key before we update it.
    let recordsPerKey: UInt64
    private var content = TLS13InnerContent()
    private var inbound: ByteBuffer?
    private var outbound: ByteBuffer?
    /// The peer asked for a key update and ours was sent; another request before our next application data is
    /// answered by that same update (RFC 8446, 4.6.3).
    private var answeredKeyUpdateRequest = false
    private var closeNotifySent = false
    /// Set once the connection failed; later reads and writes fail with it.
    private var failure: TLSError? {
        get { failed?.error }
        set { failed = newValue.map(Failed.init) }
    }
    /// The failure, boxed: a connection that never fails keeps 8 bytes for it, not a whole error.
    private var failed: Failed?
    private final class Failed {
        let error: TLSError
        init(_ error: TLSError) { self.error = error }
    }
    /// Records in a row that brought no application data (empty ones, key updates, user_canceled): each costs a
    /// decryption (and a key derivation) and gives nothing, so a run of them is cut short, as OpenSSL cuts runs of
    /// empty records and warning alerts.
    private var recordsWithoutData = 0
    static let maximumRecordsWithoutData = 32

    /// The record layer for keys the handshake produced, `readSequence` and `writeSequence` records into their use.
    init(
        suite: TLS13CipherSuite,
        readSecret: SecretBytes,
        readSequence: UInt64,
        writeSecret: SecretBytes,
        writeSequence: UInt64,
        recordsPerKey: UInt64 = TLS13CipherSuite.recordsPerKey
    ) throws(TLSError) {
        self.suite = suite
        self.readKeys = try TLS13TrafficKeys(suite: suite, secret: readSecret, sequence: readSequence)
        self.writeKeys = try TLS13TrafficKeys(suite: suite, secret: writeSecret, sequence: writeSequence)
        self.recordsPerKey = max(1, recordsPerKey)
    }

    /// Appends ciphertext received from the peer; dropped once the connection failed.
    func receive(_ ciphertext: ByteBuffer) {
        guard failure == nil else { return }
        inbound.appendCiphertext(ciphertext)
    }

    /// Takes all ciphertext waiting for the peer, or `nil` when there is none.
    func drainCiphertext() -> ByteBuffer? {
        outbound.takeAll()
    }

    /// Bytes received and not yet opened.
    var inboundBytes: Int { inbound?.readableBytes ?? 0 }

    /// Opens the next whole record, appending its application data (if any) to `buffer`. `.incomplete` when no whole
    /// record is waiting; `.complete(.bytes(0))` for a record with nothing for the application (a key update).
    func read(into buffer: inout ByteBuffer) -> TLSOperationResult<TLSReadOutcome> {
        if let failure { return .failed(failure) }
        guard var input = inbound, input.readableBytes >= Self.headerLength else { return .incomplete }
        let type = input.getInteger(at: input.readerIndex, as: UInt8.self)!
        let length = Int(input.getInteger(at: input.readerIndex + 3, as: UInt16.self)!)
        guard type == TLS13InnerContent.ContentType.applicationData.rawValue else {
            return fail(.unexpectedMessage, "an unprotected record of type \(type) after the handshake")
        }
        guard length <= Self.maximumCiphertextLength else {
            return fail(.recordOverflow, "a record of \(length) bytes (more than 2^14 + 256)")
        }
        guard input.readableBytes >= Self.headerLength + length else { return .incomplete }
        guard length >= TLS13CipherSuite.tagLength else {
            return fail(.badRecordMAC, "a record of \(length) bytes, shorter than its tag")
        }
        let bodyLength = length - TLS13CipherSuite.tagLength
        var opened = false
        var action = TLS13InnerContent.Action.none
        let cipher = TLS13RecordCipher.current(suite: suite, sealing: false)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bodyLength) { space in
            let output = UnsafeMutableRawBufferPointer(rebasing: space[0..<bodyLength])
            opened = input.withUnsafeReadableBytes { record in
                readKeys.withKeyAndNonce { key, nonce in
                    cipher.open(
                        key: key,
                        nonce: nonce,
                        header: UnsafeRawBufferPointer(rebasing: record[0..<Self.headerLength]),
                        ciphertext: UnsafeRawBufferPointer(
                            rebasing: record[Self.headerLength..<(Self.headerLength + length)]
                        ),
                        into: output
                    )
                }
            }
            guard opened else { return 0 }
            action = content.received(UnsafeRawBufferPointer(output))
            if case .applicationData(let count) = action {
                return count
            }
            return 0
        }
        guard opened else {
            return fail(.badRecordMAC, "a record that does not authenticate")
        }
        input.moveReaderIndex(forwardBy: Self.headerLength + length)
        inbound = input.readableBytes > 0 ? input : nil
        guard readKeys.recordDone() else {
            return fail(.unexpectedMessage, "the peer's sequence numbers ran out without a key update")
        }
        if case .applicationData(let count) = action, count > 0 {
            recordsWithoutData = 0
        } else {
            recordsWithoutData += 1
            if recordsWithoutData > Self.maximumRecordsWithoutData {
                return fail(
                    .unexpectedMessage,
                    "more than \(Self.maximumRecordsWithoutData) records in a row without data"
                )
            }
        }
        switch action {
        case .applicationData(let count):
            return .complete(.bytes(count))
        case .none:
            return .complete(.bytes(0))
        case .closeNotify:
            return .complete(.closeNotify)
        case .keyUpdate(let requested):
            do {
                try readKeys.update()
                if requested, !answeredKeyUpdateRequest {
                    try sendKeyUpdate(requestingPeerUpdate: false)
                    answeredKeyUpdateRequest = true
                }
            } catch {
                return fail(.internalError, "cannot update the keys: \(error)")
            }
            return .complete(.bytes(0))
        case .peerAlert(let description):
            let error = TLSError(.protocolFailure, detail: "the peer sent alert \(TLS13Alert.name(of: description))")
            failure = error
            return .failed(error)
        case .fail(let alert, let reason):
            return fail(alert, reason)
        }
    }

    /// Protects all of `plaintext` in records of at most 2^14 bytes, updating our key first when it is worn out.
    func write(_ plaintext: ByteBuffer) -> TLSOperationResult<Void> {
        if let failure { return .failed(failure) }
        guard plaintext.readableBytes > 0 else { return .complete(()) }
        let records =
            (plaintext.readableBytes + TLS13InnerContent.maximumPlaintext - 1)
            / TLS13InnerContent.maximumPlaintext
        reserveOutbound(plaintext.readableBytes + records * Self.recordOverhead)
        var rest = plaintext
        while rest.readableBytes > 0 {
            let chunk = rest.readSlice(length: min(rest.readableBytes, TLS13InnerContent.maximumPlaintext))!
            do {
                if writeKeys.isWornOut(limit: recordsPerKey) {
                    try sendKeyUpdate(requestingPeerUpdate: false)
                }
                try chunk.withUnsafeReadableBytes { bytes throws(TLSError) in
                    try seal(contentType: .applicationData, content: bytes)
                }
            } catch {
                failure = error
                return .failed(error)
            }
        }
        answeredKeyUpdateRequest = false
        return .complete(())
    }

    /// Queues our close_notify alert (once). Does not wait for the peer's.
    func shutdown() -> TLSOperationResult<Void> {
        guard !closeNotifySent, failure == nil else { return .complete(()) }
        closeNotifySent = true
        do {
            try sendAlert(.closeNotify)
        } catch {
            return .failed(error)
        }
        return .complete(())
    }

    /// Drops any ciphertext still buffered. Idempotent.
    func close() {
        inbound = nil
        outbound = nil
    }

    // MARK: - Records

    /// Header, content type byte and tag.
    static let recordOverhead = headerLength + 1 + TLS13CipherSuite.tagLength

    /// Protects one record of `content` under the write key and appends it to the outbound ciphertext. `padding`
    /// zero bytes follow the content type (we send none; tests do).
    func seal(
        contentType: TLS13InnerContent.ContentType,
        content: UnsafeRawBufferPointer,
        padding: Int = 0
    ) throws(TLSError) {
        try seal(rawContentType: contentType.rawValue, content: content, padding: padding)
    }

    /// ``seal(contentType:content:padding:)`` with any content type byte, for tests of what a peer may send.
    func seal(rawContentType: UInt8, content: UnsafeRawBufferPointer, padding: Int = 0) throws(TLSError) {
        let innerLength = content.count + 1 + padding
        precondition(innerLength - 1 <= TLS13InnerContent.maximumPlaintext + 255)
        let length = innerLength + TLS13CipherSuite.tagLength
        reserveOutbound(Self.headerLength + length)
        let cipher = TLS13RecordCipher.current(suite: suite, sealing: true)
        var sealed = false
        var inner = [UInt8]()
        if padding > 0 {
            inner = Array(content) + [rawContentType] + [UInt8](repeating: 0, count: padding - 1)
        }
        outbound!.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.headerLength + length) { space in
            // The header goes straight into place and is the additional data from there.
            space[0] = TLS13InnerContent.ContentType.applicationData.rawValue
            space[1] = 0x03
            space[2] = 0x03
            space[3] = UInt8(truncatingIfNeeded: length >> 8)
            space[4] = UInt8(truncatingIfNeeded: length)
            let header = UnsafeRawBufferPointer(rebasing: space[0..<Self.headerLength])
            let output = UnsafeMutableRawBufferPointer(
                rebasing: space[Self.headerLength..<(Self.headerLength + length)]
            )
            sealed = inner.withUnsafeBytes { inner in
                writeKeys.withKeyAndNonce { key, nonce in
                    if padding > 0 {
                        // The type byte and all but one padding byte are in `inner`; the last zero goes as the
                        // "type" argument.
                        return cipher.seal(
                            key: key,
                            nonce: nonce,
                            header: header,
                            content: inner,
                            contentType: 0,
                            into: output
                        )
                    }
                    return cipher.seal(
                        key: key,
                        nonce: nonce,
                        header: header,
                        content: content,
                        contentType: rawContentType,
                        into: output
                    )
                }
            }
            return sealed ? Self.headerLength + length : 0
        }
        guard sealed else {
            throw TLSError.drainingErrorQueue(.protocolFailure, context: "cannot protect a record")
        }
        guard writeKeys.recordDone() else {
            throw TLSError(.protocolFailure, detail: "our sequence numbers ran out")
        }
    }

    /// Sends `KeyUpdate` under the current key, then moves to the next one (RFC 8446, 4.6.3).
    func sendKeyUpdate(requestingPeerUpdate: Bool) throws(TLSError) {
        try seal(contentType: .handshake, bytes: [24, 0, 0, 1, requestingPeerUpdate ? 1 : 0])
        try writeKeys.update()
    }

    private func sendAlert(_ alert: TLS13Alert) throws(TLSError) {
        try seal(contentType: .alert, bytes: [alert.level, alert.rawValue])
    }

    private func seal(contentType: TLS13InnerContent.ContentType, bytes: [UInt8]) throws(TLSError) {
        let buffer = ByteBuffer(bytes: bytes)
        try buffer.withUnsafeReadableBytes { content throws(TLSError) in
            try seal(contentType: contentType, content: content)
        }
    }

    /// Queues `alert` for the peer (best effort) and fails the connection.
    private func fail<Value>(_ alert: TLS13Alert, _ reason: String) -> TLSOperationResult<Value> {
        let error = TLSError(.protocolFailure, detail: "\(reason); sent \(alert.name)")
        failure = error
        inbound = nil
        try? sendAlert(alert)
        return .failed(error)
    }

    private func reserveOutbound(_ bytes: Int) {
        if outbound == nil {
            outbound = ByteBufferAllocator().buffer(capacity: bytes)
        } else {
            outbound!.reserveCapacity(minimumWritableBytes: bytes)
        }
    }
}
