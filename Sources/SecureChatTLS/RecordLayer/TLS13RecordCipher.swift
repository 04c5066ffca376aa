internal import COpenSSL
import NIOPosix

/// One `EVP_CIPHER_CTX` for one suite and one direction (seal or open), shared by the handed-over connections of one
/// event-loop thread (``current(suite:sealing:)``), with the key last set in it.
///
/// A connection keeps only its keys (``TLS13TrafficKeys``): a context of its own costs about 1 KB (1.3–1.5 KiB of RSS
/// per idle connection, measured), more than half of what a handed-over connection keeps besides NIO's channel. The
/// price is setting the key again when a record is another connection's than the last, as in a fan-out: 85–120 ns a
/// record (`bench/openssl-aead-rekey.c`), which did not show against the 1.5–1.8 µs a delivery costs (docs/TLS.md).
/// Owns its context (freed in `deinit`); used on one thread only.
final class TLS13RecordCipher {
    private let context: OpaquePointer
    private let sealing: Bool
    /// The key now set in `context` (its first `currentKeyLength` bytes), so records under the same key skip the key
    /// setup. Kept inline: no allocation of its own.
    private var currentKey: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var currentKeyLength = 0

    private init(suite: TLS13CipherSuite, sealing: Bool) {
        guard let cipher = Self.ciphers[suite.index], let context = EVP_CIPHER_CTX_new(),
            EVP_CipherInit_ex2(context, cipher, nil, nil, sealing ? 1 : 0, nil) == 1
        else {
            fatalError("cannot make an \(suite.cipherName) context: \(OpenSSLErrorQueue.drain())")
        }
        self.context = context
        self.sealing = sealing
    }

    deinit {
        withUnsafeMutableBytes(of: &currentKey) { OPENSSL_cleanse($0.baseAddress, $0.count) }
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
        precondition(key.count <= MemoryLayout.size(ofValue: currentKey), "keys are 16 or 32 bytes")
        let known = withUnsafeBytes(of: &currentKey) {
            key.count == currentKeyLength && key.elementsEqual($0.prefix(key.count))
        }
        if known {
            return EVP_CipherInit_ex2(context, nil, nil, nonce, sealing ? 1 : 0, nil) == 1
        }
        // Forgotten first: if setting the new key fails, no later record may be taken for one under the old key.
        currentKeyLength = 0
        guard
            EVP_CipherInit_ex2(
                context,
                nil,
                key.baseAddress!.assumingMemoryBound(to: UInt8.self),
                nonce,
                sealing ? 1 : 0,
                nil
            ) == 1
        else {
            return false
        }
        withUnsafeMutableBytes(of: &currentKey) { $0.copyMemory(from: key) }
        currentKeyLength = key.count
        return true
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
    /// `nil` for a suite whose AEAD this OpenSSL lacks (a FIPS build has no ChaCha20-Poly1305): connections using it
    /// stay with OpenSSL (``isAvailable(_:)``).
    nonisolated(unsafe) private static let ciphers: [OpaquePointer?] = TLS13CipherSuite.allCases.map { suite in
        defer { OpenSSLErrorQueue.clear() }
        return EVP_CIPHER_fetch(nil, suite.cipherName, nil)
    }

    /// Whether this OpenSSL has `suite`'s AEAD.
    static func isAvailable(_ suite: TLS13CipherSuite) -> Bool {
        ciphers[suite.index] != nil
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
