import NIOCore

/// Ciphertext waiting in a connection (``TLSConnection``, ``TLS13RecordLayer``): `nil` when there is none, so an idle
/// connection holds no storage for it.
extension ByteBuffer? {
    /// Appends `bytes`; when nothing was waiting, keeps them as they came, without a copy.
    mutating func appendCiphertext(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        if self == nil {
            self = bytes
        } else {
            self!.writeImmutableBuffer(bytes)
        }
    }

    /// Takes everything waiting, leaving nothing.
    mutating func takeAll() -> ByteBuffer? {
        defer { self = nil }
        return self
    }
}
