internal import COpenSSL
import NIOCore

/// One TLS connection's OpenSSL state, driven without any NIO events: feed it ciphertext, step the handshake,
/// read and write plaintext, and drain the ciphertext it produced.
///
/// Owns its `SSL*` (freed in `deinit`). OpenSSL reaches the ciphertext through one ``CiphertextBIO``: what the peer
/// sent waits in `inbound` until OpenSSL reads it, what OpenSSL writes for the peer collects in `outbound` until
/// ``drainCiphertext()`` hands it to the channel. Both are dropped once consumed, so an idle connection holds no
/// ciphertext storage.
final class TLSConnection {
    let ssl: OpaquePointer
    let role: TLSConfiguration.Role
    /// Ciphertext from the peer that OpenSSL has not read yet; `nil` when all of it was read.
    private var inbound: ByteBuffer?
    /// Ciphertext for the peer that was not drained yet; `nil` when there is none.
    private var outbound: ByteBuffer?
    private let allocator: ByteBufferAllocator
    /// The BIO OpenSSL reads and writes through; owned by `ssl`.
    private var bio: OpaquePointer?
    /// Whether application data was read or written yet.
    var applicationDataMoved = false
    private(set) var isClosed = false

    /// The first certificate refused while verifying the peer, recorded by the verify callback.
    var verifyFailure: CertificateVerifyFailure?
    /// Clients that resume sessions: where new sessions from the server go.
    var sessionCache: ClientSessionCache?
    /// Clients: whether the server asked for a client certificate during the handshake.
    var certificateRequested = false
    /// Servers that hand TLS 1.3 connections over to ``TLS13RecordLayer``: what the callbacks learnt so far.
    var handoverWatch: TLS13HandoverWatch?
    /// While a handover is pending after the handshake, OpenSSL is given whole records only, so that it never holds
    /// part of one when the record layer takes over: the bytes of the record it is reading that it may still take.
    private(set) var recordAllowance = 0

    /// Takes ownership of `ssl`, attaches a ``CiphertextBIO`` and sets the accept or connect state.
    init(
        takingOwnership ssl: OpaquePointer,
        role: TLSConfiguration.Role,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
        self.ssl = ssl
        self.role = role
        self.allocator = allocator
        let bio = CiphertextBIO.make(for: self)
        self.bio = bio
        SSL_set_bio(ssl, bio, bio)  // one reference, for both directions
        switch role {
        case .server: SSL_set_accept_state(ssl)
        case .client: SSL_set_connect_state(ssl)
        }
        installVerifyCallback()
        if role == .client {
            watchCertificateRequest()
        }
    }

    deinit {
        if let bio { CiphertextBIO.detach(bio) }
        SSL_free(ssl)
    }

    /// Appends ciphertext received from the peer. Kept without a copy when nothing else is waiting.
    func receive(_ ciphertext: ByteBuffer) {
        precondition(!isClosed, "TLSConnection used after close()")
        inbound.appendCiphertext(ciphertext)
    }

    /// Takes all ciphertext waiting for the peer, or `nil` when there is none.
    func drainCiphertext() -> ByteBuffer? {
        outbound.takeAll()
    }

    /// Bytes received and not yet read by OpenSSL.
    var inboundBytes: Int { inbound?.readableBytes ?? 0 }

    /// Takes the ciphertext OpenSSL has not read (at a handover).
    func takeAllInbound() -> ByteBuffer? {
        inbound.takeAll()
    }

    /// Bytes OpenSSL wrote for the peer that were not drained yet.
    var outboundBytes: Int { outbound?.readableBytes ?? 0 }

    /// Whether the connection holds any ciphertext storage (for tests).
    var _testOnly_holdsCiphertext: Bool { inbound != nil || outbound != nil }

    /// For ``CiphertextBIO``: moves up to `space.count` received bytes into `space`; returns how many.
    func takeInbound(into space: UnsafeMutableRawBufferPointer) -> Int {
        guard var buffer = inbound else {
            return 0
        }
        let wholeRecordsOnly = handoverWatch != nil && SSL_is_init_finished(ssl) == 1
        if wholeRecordsOnly, recordAllowance == 0 {
            recordAllowance = Self.wholeRecordLength(at: buffer)
            guard recordAllowance > 0 else { return 0 }
        }
        inbound = nil  // so the copy below does not share storage with `inbound`
        let count = min(space.count, buffer.readableBytes, wholeRecordsOnly ? recordAllowance : Int.max)
        buffer.withUnsafeReadableBytes { bytes in
            space.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(count)))
        }
        buffer.moveReaderIndex(forwardBy: count)
        if wholeRecordsOnly {
            recordAllowance -= count
        }
        if buffer.readableBytes > 0 {
            inbound = buffer
        }
        return count
    }

    /// The length of the record at the front of `buffer`, header included, if all of it is there; else 0.
    private static func wholeRecordLength(at buffer: ByteBuffer) -> Int {
        guard let length = buffer.getInteger(at: buffer.readerIndex + 3, as: UInt16.self) else { return 0 }
        let total = 5 + Int(length)
        return buffer.readableBytes >= total ? total : 0
    }

    /// For ``CiphertextBIO``: appends ciphertext OpenSSL wrote for the peer.
    func appendOutbound(_ bytes: UnsafeRawBufferPointer) {
        if outbound == nil {
            outbound = allocator.buffer(capacity: bytes.count)
        }
        outbound!.writeBytes(bytes)
    }

    /// Releases what the connection can without freeing the `SSL*` (that happens in `deinit`): drops the
    /// back-pointers the verify callback and the BIO use, and any ciphertext still waiting. Idempotent; called from
    /// `TLSHandler.handlerRemoved`.
    func close() {
        guard !isClosed else {
            return
        }
        isClosed = true
        clearBackPointer()
        if let bio { CiphertextBIO.detach(bio) }
        bio = nil
        inbound = nil
        outbound = nil
    }
}
