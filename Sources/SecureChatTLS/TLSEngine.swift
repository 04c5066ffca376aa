import NIOCore

/// What runs a ``TLSHandler``'s records: OpenSSL's `SSL` (every handshake, TLS 1.2, TLS 1.3 until the handover) or,
/// after a TLS 1.3 server handshake, our ``TLS13RecordLayer``. Both offer the same operations; the handler does not
/// care which it has.
enum TLSEngine {
    case openSSL(TLSConnection)
    case recordLayer(TLS13RecordLayer)

    func receive(_ ciphertext: ByteBuffer) {
        switch self {
        case .openSSL(let connection): connection.receive(ciphertext)
        case .recordLayer(let layer): layer.receive(ciphertext)
        }
    }

    func read(into buffer: inout ByteBuffer) -> TLSOperationResult<TLSReadOutcome> {
        switch self {
        case .openSSL(let connection): connection.read(into: &buffer)
        case .recordLayer(let layer): layer.read(into: &buffer)
        }
    }

    func write(_ plaintext: ByteBuffer) -> TLSOperationResult<Void> {
        switch self {
        case .openSSL(let connection): connection.write(plaintext)
        case .recordLayer(let layer): layer.write(plaintext)
        }
    }

    func shutdown() -> TLSOperationResult<Void> {
        switch self {
        case .openSSL(let connection): connection.shutdown()
        case .recordLayer(let layer): layer.shutdown()
        }
    }

    func drainCiphertext() -> ByteBuffer? {
        switch self {
        case .openSSL(let connection): connection.drainCiphertext()
        case .recordLayer(let layer): layer.drainCiphertext()
        }
    }

    func close() {
        switch self {
        case .openSSL(let connection): connection.close()
        case .recordLayer(let layer): layer.close()
        }
    }

    /// The OpenSSL connection, for the handshake; `nil` after the handover.
    var connection: TLSConnection? {
        if case .openSSL(let connection) = self { return connection }
        return nil
    }
}
