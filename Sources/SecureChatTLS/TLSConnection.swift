internal import COpenSSL
import NIOCore

/// One TLS connection's OpenSSL state, driven without any NIO events: feed it ciphertext, step the handshake,
/// read and write plaintext, and drain the ciphertext it produced.
///
/// Owns its `SSL*` (freed in `deinit`). `SSL_set_bio` gives the SSL ownership of two `BIO_s_mem`: `readBIO` holds
/// ciphertext from the peer, `writeBIO` ciphertext for the peer, so `SSL_free` frees both. Memory BIOs never
/// shrink, so once traffic has drained a BIO that grew past ``bioShrinkThreshold`` is swapped for a fresh one, and
/// idle connections hold no grown buffers.
final class TLSConnection {
    /// A memory BIO whose contents peaked above this many bytes is replaced once it is empty again. A memory BIO
    /// never shrinks, so this is about what an idle connection may keep after a burst; the replacement costs an
    /// allocation per burst of at least this size, which is nothing next to encrypting it.
    static let bioShrinkThreshold = 4 * 1024

    let ssl: OpaquePointer
    let role: TLSConfiguration.Role
    private(set) var readBIO: OpaquePointer
    private(set) var writeBIO: OpaquePointer
    private var readBIOPeak = 0
    private var writeBIOPeak = 0
    /// Whether the BIOs that carried the handshake (and post-handshake messages such as TLS 1.3 tickets) were
    /// replaced; until then any growth counts, so a connection that goes idle after logging in does not keep its
    /// handshake flight in a BIO buffer. Set once application data has moved and both BIOs are fresh.
    private var handshakeBuffersReleased = false
    /// Whether application data was read or written yet.
    var applicationDataMoved = false
    private(set) var isClosed = false

    /// The first certificate refused while verifying the peer, recorded by the verify callback.
    var verifyFailure: CertificateVerifyFailure?

    /// Takes ownership of `ssl`, attaches two fresh memory BIOs and sets the accept or connect state.
    init(takingOwnership ssl: OpaquePointer, role: TLSConfiguration.Role) {
        self.ssl = ssl
        self.role = role
        self.readBIO = Self.makeMemoryBIO()
        self.writeBIO = Self.makeMemoryBIO()
        SSL_set_bio(ssl, readBIO, writeBIO)
        switch role {
        case .server: SSL_set_accept_state(ssl)
        case .client: SSL_set_connect_state(ssl)
        }
        installVerifyCallback()
    }

    deinit {
        SSL_free(ssl)
    }

    /// Appends ciphertext received from the peer.
    func receive(_ ciphertext: ByteBuffer) {
        precondition(!isClosed, "TLSConnection used after close()")
        ciphertext.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, Int(Int32.max))
                let written = BIO_write(readBIO, bytes.baseAddress! + offset, Int32(chunk))
                precondition(written == chunk, "BIO_write to a memory BIO failed")
                offset += chunk
            }
        }
        readBIOPeak = max(readBIOPeak, BIO_ctrl_pending(readBIO))
    }

    /// Takes all ciphertext waiting for the peer, or `nil` when there is none.
    func drainCiphertext(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = BIO_ctrl_pending(writeBIO)
        guard pending > 0 else {
            return nil
        }
        writeBIOPeak = max(writeBIOPeak, pending)
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { space in
            let read = BIO_read(writeBIO, space.baseAddress, Int32(pending))
            precondition(read == Int32(pending), "BIO_read from a memory BIO returned \(read) of \(pending)")
            return pending
        }
        releaseGrownBuffers()
        return buffer
    }

    /// Replaces a memory BIO that is empty and once grew past ``bioShrinkThreshold`` (or, the first time after the
    /// handshake, grew at all). Only after the handshake: during it OpenSSL may stack its own buffering BIO on the
    /// write side.
    func releaseGrownBuffers() {
        guard SSL_is_init_finished(ssl) == 1 else {
            return
        }
        let threshold = handshakeBuffersReleased ? Self.bioShrinkThreshold : 0
        if readBIOPeak > threshold, BIO_ctrl_pending(readBIO) == 0 {
            readBIO = Self.makeMemoryBIO()
            SSL_set0_rbio(ssl, readBIO)  // frees the old one
            readBIOPeak = 0
        }
        if writeBIOPeak > threshold, BIO_ctrl_pending(writeBIO) == 0 {
            writeBIO = Self.makeMemoryBIO()
            SSL_set0_wbio(ssl, writeBIO)  // frees the old one
            writeBIOPeak = 0
        }
        if !handshakeBuffersReleased, applicationDataMoved, readBIOPeak == 0, writeBIOPeak == 0 {
            handshakeBuffersReleased = true
        }
    }

    /// Releases what the connection can without freeing the `SSL*` (that happens in `deinit`): drops the
    /// back-pointer the verify callback uses and swaps both BIOs for empty ones. Idempotent; called from
    /// `TLSHandler.handlerRemoved`.
    func close() {
        guard !isClosed else {
            return
        }
        isClosed = true
        clearBackPointer()
        readBIO = Self.makeMemoryBIO()
        SSL_set0_rbio(ssl, readBIO)
        writeBIO = Self.makeMemoryBIO()
        SSL_set0_wbio(ssl, writeBIO)
        readBIOPeak = 0
        writeBIOPeak = 0
    }

    /// The largest number of bytes each memory BIO has held since it was last replaced (for tests).
    var _testOnly_bioPeaks: (read: Int, write: Int) { (readBIOPeak, writeBIOPeak) }

    private static func makeMemoryBIO() -> OpaquePointer {
        guard let bio = BIO_new(BIO_s_mem()) else {
            fatalError("BIO_new(BIO_s_mem()) failed: out of memory")
        }
        // An empty read BIO means "no data yet" (retry), not end of file.
        shim_BIO_set_mem_eof_return(bio, -1)
        return bio
    }
}
