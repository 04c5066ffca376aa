internal import COpenSSL
import NIOPosix

/// One `EVP_CIPHER_CTX` for one suite and one direction (seal or open), shared by every handed-over connection whose
/// records this thread protects or opens.
///
/// A connection keeps only its key and IV (``TLS13TrafficKeys``), not a cipher context of its own: two contexts cost
/// about 1.9 KB per connection, more than the rest of what a handed-over connection keeps. Setting the key again for
/// each record costs one AES key expansion (or nothing for ChaCha20); the key is set only when it differs from the
/// last one used on this thread. Owns its context (freed in `deinit`). Used on its own thread only (see
/// ``current(suite:sealing:)``).
final class TLS13RecordCipher {
    private let context: OpaquePointer
    private let sealing: Bool
    /// The key now set in `context`, so the same connection's records in a row skip the key setup.
    private var currentKey: [UInt8] = []

    private init(suite: TLS13CipherSuite, sealing: Bool) {
        guard let context = EVP_CIPHER_CTX_new(),
            EVP_CipherInit_ex2(context, Self.ciphers[suite.index], nil, nil, sealing ? 1 : 0, nil) == 1
        else {
            fatalError("cannot make an \(suite.cipherName) context: \(OpenSSLErrorQueue.drain())")
        }
        self.context = context
        self.sealing = sealing
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// Encrypts `content` followed by `contentType` and writes the ciphertext, then the tag, to `output`
    /// (`content.count + 1 + tagLength` bytes). `header` is the record header, the additional data.
    func seal(
        key: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        header: UnsafeRawBufferPointer,
        content: UnsafeRawBufferPointer,
        contentType: UInt8,
        into output: UnsafeMutableRawBufferPointer
    ) -> Bool {
        precondition(sealing && output.count == content.count + 1 + TLS13CipherSuite.tagLength)
        guard start(key: key, nonce: nonce), update(nil, header) else { return false }
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var type = contentType
        var written: Int32 = 0
        var typeWritten: Int32 = 0
        guard
            EVP_CipherUpdate(
                context,
                out,
                &written,
                content.baseAddress?.assumingMemoryBound(to: UInt8.self),
                Int32(content.count)
            ) == 1,
            EVP_CipherUpdate(context, out + Int(written), &typeWritten, &type, 1) == 1,
            EVP_CipherFinal_ex(context, out + Int(written + typeWritten), &written) == 1,
            EVP_CIPHER_CTX_ctrl(
                context,
                EVP_CTRL_AEAD_GET_TAG,
                Int32(TLS13CipherSuite.tagLength),
                out + (content.count + 1)
            ) == 1
        else {
            return false
        }
        return true
    }

    /// Decrypts `ciphertext` (whose last ``TLS13CipherSuite/tagLength`` bytes are the tag) into `output`
    /// (`ciphertext.count - tagLength` bytes). `false` when the tag does not match: the record was forged, damaged or
    /// protected with another key.
    func open(
        key: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        header: UnsafeRawBufferPointer,
        ciphertext: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) -> Bool {
        let bodyLength = ciphertext.count - TLS13CipherSuite.tagLength
        precondition(!sealing && bodyLength >= 0 && output.count == bodyLength)
        let input = ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard start(key: key, nonce: nonce),
            EVP_CIPHER_CTX_ctrl(
                context,
                EVP_CTRL_AEAD_SET_TAG,
                Int32(TLS13CipherSuite.tagLength),
                UnsafeMutableRawPointer(mutating: input + bodyLength)
            ) == 1,
            update(nil, header)
        else {
            return false
        }
        var scratch: UInt8 = 0
        return withUnsafeMutablePointer(to: &scratch) { scratch in
            let out = output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? scratch
            var written: Int32 = 0
            var finalWritten: Int32 = 0
            guard EVP_CipherUpdate(context, out, &written, input, Int32(bodyLength)) == 1 else {
                return false
            }
            return EVP_CipherFinal_ex(context, out + Int(written), &finalWritten) == 1
        }
    }

    private func start(key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) -> Bool {
        let nonce = nonce.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if key.elementsEqual(currentKey) {
            return EVP_CipherInit_ex2(context, nil, nil, nonce, sealing ? 1 : 0, nil) == 1
        }
        currentKey = Array(key)
        return EVP_CipherInit_ex2(
            context,
            nil,
            key.baseAddress!.assumingMemoryBound(to: UInt8.self),
            nonce,
            sealing ? 1 : 0,
            nil
        ) == 1
    }

    /// Feeds additional data (`output` nil).
    private func update(_ output: UnsafeMutablePointer<UInt8>?, _ input: UnsafeRawBufferPointer) -> Bool {
        var written: Int32 = 0
        return EVP_CipherUpdate(
            context,
            output,
            &written,
            input.baseAddress!.assumingMemoryBound(to: UInt8.self),
            Int32(input.count)
        ) == 1
    }

    /// Fetched once for the process: an `EVP_CIPHER` from `EVP_CIPHER_fetch` is immutable and shared between
    /// threads, and initialising a context with a fetched cipher skips the implicit fetch a legacy
    /// `EVP_aes_128_gcm()` costs on every init.
    nonisolated(unsafe) private static let ciphers: [OpaquePointer] = TLS13CipherSuite.allCases.map { suite in
        guard let cipher = EVP_CIPHER_fetch(nil, suite.cipherName, nil) else {
            fatalError("OpenSSL has no \(suite.cipherName): \(OpenSSLErrorQueue.drain())")
        }
        return cipher
    }

    /// This thread's cipher for `suite`, made on first use.
    static func current(suite: TLS13CipherSuite, sealing: Bool) -> TLS13RecordCipher {
        let ciphers: ThreadCiphers
        if let existing = threadCiphers.currentValue {
            ciphers = existing
        } else {
            ciphers = ThreadCiphers()
            threadCiphers.currentValue = ciphers
        }
        let slot = suite.index * 2 + (sealing ? 0 : 1)
        if let cipher = ciphers.slots[slot] {
            return cipher
        }
        let cipher = TLS13RecordCipher(suite: suite, sealing: sealing)
        ciphers.slots[slot] = cipher
        return cipher
    }

    /// One thread's ciphers, seal and open for each suite.
    private final class ThreadCiphers: @unchecked Sendable {
        // @unchecked Sendable: only ever reached through `threadCiphers`, which gives each thread its own.
        var slots = [TLS13RecordCipher?](repeating: nil, count: TLS13CipherSuite.allCases.count * 2)
    }

    private static let threadCiphers = ThreadSpecificVariable<ThreadCiphers>()
}

extension TLS13CipherSuite {
    /// The suite's position in `allCases`.
    var index: Int {
        switch self {
        case .aes128GCMSHA256: 0
        case .aes256GCMSHA384: 1
        case .chacha20Poly1305SHA256: 2
        }
    }
}
