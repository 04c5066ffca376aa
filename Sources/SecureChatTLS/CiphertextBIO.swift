internal import COpenSSL
import NIOCore

/// The BIO through which OpenSSL reaches a ``TLSConnection``'s ciphertext: one BIO for both directions, whose reads
/// take bytes from the connection's `inbound` buffer and whose writes append to its `outbound` buffer.
///
/// Unlike a pair of `BIO_s_mem`, it keeps no buffer of its own: ciphertext lives in the connection's `ByteBuffer`s,
/// which are dropped as soon as they are consumed or handed to the channel, so an idle connection holds no ciphertext
/// storage at all (a memory BIO never shrinks), and each record is copied once on its way out instead of twice.
/// The BIO's data pointer is the connection, unretained; the connection clears it before it lets go of the `SSL`.
///
/// The style guide prefers two `BIO_s_mem` to a custom `BIO_METHOD`; this one replaces them because it measured
/// 1.3 KiB less per idle connection and a third less CPU per record (docs/BENCHMARKS.md, change 19).
enum CiphertextBIO {
    /// Makes a BIO pointing at `connection`. `SSL_set_bio(ssl, bio, bio)` then gives the `SSL` its one reference.
    static func make(for connection: TLSConnection) -> OpaquePointer {
        guard let bio = BIO_new(method) else {
            fatalError("BIO_new failed: out of memory")
        }
        BIO_set_data(bio, Unmanaged.passUnretained(connection).toOpaque())
        return bio
    }

    /// Detaches the BIO from its connection: later calls fail instead of touching it.
    static func detach(_ bio: OpaquePointer) {
        BIO_set_data(bio, nil)
    }

    /// Created once per process; OpenSSL keeps a pointer to it in every BIO.
    nonisolated(unsafe) private static let method: OpaquePointer = {
        guard let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "SecureChat ciphertext") else {
            fatalError("BIO_meth_new failed: out of memory")
        }
        BIO_meth_set_write(method, write)
        BIO_meth_set_read(method, read)
        BIO_meth_set_ctrl(method, control)
        BIO_meth_set_create(method, create)
        BIO_meth_set_destroy(method, destroy)
        return method
    }()

    private static func connection(of bio: OpaquePointer?) -> TLSConnection? {
        guard let bio, let data = BIO_get_data(bio) else { return nil }
        return Unmanaged<TLSConnection>.fromOpaque(data).takeUnretainedValue()
    }

    private static let write: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
        bio, bytes, length in
        guard let bio else { return -1 }
        shim_BIO_clear_retry_flags(bio)
        guard let connection = connection(of: bio), let bytes, length >= 0 else { return -1 }
        connection.appendOutbound(UnsafeRawBufferPointer(start: bytes, count: Int(length)))
        return length
    }

    private static let read: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32 = {
        bio, space, length in
        guard let bio else { return -1 }
        shim_BIO_clear_retry_flags(bio)
        guard let connection = connection(of: bio), let space, length >= 0 else { return -1 }
        let taken = connection.takeInbound(into: UnsafeMutableRawBufferPointer(start: space, count: Int(length)))
        if taken == 0 && length > 0 {
            // Nothing received yet: "try again", not end of file.
            shim_BIO_set_retry_read(bio)
            return -1
        }
        return Int32(taken)
    }

    private static let control: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int = {
        bio, command, argument, _ in
        guard let bio else { return 0 }
        switch command {
        case BIO_CTRL_FLUSH, BIO_CTRL_DUP:
            return 1
        case BIO_CTRL_PENDING:
            return connection(of: bio)?.inboundBytes ?? 0
        case BIO_CTRL_WPENDING:
            return connection(of: bio)?.outboundBytes ?? 0
        case BIO_CTRL_GET_CLOSE:
            return Int(BIO_get_shutdown(bio))
        case BIO_CTRL_SET_CLOSE:
            BIO_set_shutdown(bio, Int32(truncatingIfNeeded: argument))
            return 1
        default:
            return 0  // Not supported (kernel TLS, datagram controls, ...).
        }
    }

    private static let create: @convention(c) (OpaquePointer?) -> Int32 = { bio in
        guard let bio else { return 0 }
        BIO_set_data(bio, nil)
        BIO_set_init(bio, 1)
        return 1
    }

    private static let destroy: @convention(c) (OpaquePointer?) -> Int32 = { bio in
        guard let bio else { return 0 }
        BIO_set_data(bio, nil)
        BIO_set_init(bio, 0)
        return 1
    }
}
