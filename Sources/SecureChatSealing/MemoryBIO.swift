internal import COpenSSL

/// An OpenSSL memory BIO: bytes in, or bytes collected. Owns its `BIO*`.
final class MemoryBIO {
    let bio: OpaquePointer

    /// An empty BIO that collects what is written to it.
    init() throws(SealingError) {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL("could not allocate a memory BIO") }
        self.bio = bio
    }

    /// A BIO to read `bytes` from (copied, so the BIO does not depend on the array's lifetime).
    convenience init(_ bytes: [UInt8]) throws(SealingError) {
        try self.init()
        let written = bytes.withUnsafeBytes { BIO_write(bio, $0.baseAddress, Int32($0.count)) }
        guard written == bytes.count || bytes.isEmpty else { throw .openSSL("could not fill a memory BIO") }
    }

    deinit {
        BIO_free(bio)
    }

    /// Everything written to the BIO so far, consumed.
    func drain() -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(bio))
        guard pending > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = bytes.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        return Array(bytes.prefix(Int(max(read, 0))))
    }
}
