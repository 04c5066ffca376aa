internal import COpenSSL
import NIOPosix

/// The part of TLS 1.3's key schedule that runs after the handshake (RFC 8446, 7.1–7.3): a traffic secret's key and
/// IV, and the next generation of a secret for a key update. All of it is `HKDF-Expand-Label`, done by OpenSSL's
/// `TLS13-KDF` (the code OpenSSL's own record layer uses), never by ours. Results are written straight into the
/// ``SecretBytes`` that keep them, so no copy of a key is left behind.
enum TLS13KeySchedule {
    /// Fetched once: an `EVP_KDF` is immutable and may be shared between threads.
    nonisolated(unsafe) private static let kdf: OpaquePointer? = EVP_KDF_fetch(nil, "TLS13-KDF", nil)

    /// The secret, followed by its write key and IV (`HKDF-Expand-Label(secret, "key" | "iv", "", length)`): what
    /// one direction keeps (``TLS13TrafficKeys``).
    static func material(of secret: UnsafeRawBufferPointer, suite: TLS13CipherSuite) throws(TLSError) -> SecretBytes {
        guard secret.count == suite.hashLength else {
            throw TLSError(
                .protocolFailure,
                detail: "a \(suite.name) traffic secret has \(suite.hashLength) bytes, not \(secret.count)"
            )
        }
        return try SecretBytes.make(count: suite.materialLength) { (space) throws(TLSError) in
            space.copyMemory(from: secret)
            try derive(space, from: secret, suite: suite)
        }
    }

    /// The material of the next generation (RFC 8446, 7.2): `HKDF-Expand-Label(secret, "traffic upd", "",
    /// Hash.length)`, then its key and IV.
    static func nextMaterial(after material: SecretBytes, suite: TLS13CipherSuite) throws(TLSError) -> SecretBytes {
        try material.withUnsafeBytes { (old) throws(TLSError) in
            try SecretBytes.make(count: suite.materialLength) { (space) throws(TLSError) in
                let secret = UnsafeMutableRawBufferPointer(rebasing: space[0..<suite.hashLength])
                try expandLabel(
                    secret: UnsafeRawBufferPointer(rebasing: old[0..<suite.hashLength]),
                    label: "traffic upd",
                    into: secret,
                    suite: suite
                )
                try derive(space, from: UnsafeRawBufferPointer(secret), suite: suite)
            }
        }
    }

    /// Writes the key and IV of `secret` after the secret's place in `space`.
    private static func derive(
        _ space: UnsafeMutableRawBufferPointer,
        from secret: UnsafeRawBufferPointer,
        suite: TLS13CipherSuite
    ) throws(TLSError) {
        let keyEnd = suite.hashLength + suite.keyLength
        try expandLabel(
            secret: secret,
            label: "key",
            into: UnsafeMutableRawBufferPointer(rebasing: space[suite.hashLength..<keyEnd]),
            suite: suite
        )
        try expandLabel(
            secret: secret,
            label: "iv",
            into: UnsafeMutableRawBufferPointer(rebasing: space[keyEnd..<suite.materialLength]),
            suite: suite
        )
    }

    /// `HKDF-Expand-Label(secret, label, "", output.count)` with the suite's hash, into `output`.
    static func expandLabel(
        secret: UnsafeRawBufferPointer,
        label: StaticString,
        into output: UnsafeMutableRawBufferPointer,
        suite: TLS13CipherSuite
    ) throws(TLSError) {
        guard let context = ThreadContexts.current.context(for: suite) else {
            throw TLSError.drainingErrorQueue(.protocolFailure, context: "OpenSSL's TLS13-KDF is not available")
        }
        // OpenSSL takes these as `void *` but only reads (copies) them.
        let parameters = [
            OSSL_PARAM_construct_octet_string(
                name("key"),
                UnsafeMutableRawPointer(mutating: secret.baseAddress),
                secret.count
            ),
            OSSL_PARAM_construct_octet_string(
                name("label"),
                UnsafeMutableRawPointer(mutating: label.utf8Start),
                label.utf8CodeUnitCount
            ),
            OSSL_PARAM_construct_end(),
        ]
        let derived = EVP_KDF_derive(
            context,
            output.baseAddress?.assumingMemoryBound(to: UInt8.self),
            output.count,
            parameters
        )
        guard derived == 1 else {
            throw TLSError.drainingErrorQueue(.protocolFailure, context: "TLS13-KDF failed for \(label)")
        }
    }

    /// One `TLS13-KDF` context per hash for each thread, with the mode, the hash and the label prefix set once:
    /// a handover derives four keys, and making a context and looking its hash up by name for each cost more than
    /// the derivation.
    private final class ThreadContexts: @unchecked Sendable {
        // @unchecked Sendable: only ever reached through `threadContexts`, which gives each thread its own.
        private var contexts: [OpaquePointer?] = [nil, nil]

        static var current: ThreadContexts {
            if let existing = threadContexts.currentValue { return existing }
            let made = ThreadContexts()
            threadContexts.currentValue = made
            return made
        }

        func context(for suite: TLS13CipherSuite) -> OpaquePointer? {
            let slot = suite.hashLength == 48 ? 1 : 0
            if let context = contexts[slot] { return context }
            guard let kdf, let context = EVP_KDF_CTX_new(kdf) else { return nil }
            var mode = Int32(EVP_KDF_HKDF_MODE_EXPAND_ONLY)
            let prefix: StaticString = "tls13 "
            let set = withUnsafeMutablePointer(to: &mode) { mode in
                let parameters = [
                    OSSL_PARAM_construct_int(name("mode"), mode),
                    OSSL_PARAM_construct_utf8_string(name("digest"), suite.digestNamePointer, 0),
                    OSSL_PARAM_construct_octet_string(
                        name("prefix"),
                        UnsafeMutableRawPointer(mutating: prefix.utf8Start),
                        prefix.utf8CodeUnitCount
                    ),
                    OSSL_PARAM_construct_end(),
                ]
                return EVP_KDF_CTX_set_params(context, parameters)
            }
            guard set == 1 else {
                EVP_KDF_CTX_free(context)
                return nil
            }
            contexts[slot] = context
            return context
        }

        deinit {
            for context in contexts { EVP_KDF_CTX_free(context) }
        }
    }

    private static let threadContexts = ThreadSpecificVariable<ThreadContexts>()

    /// An `OSSL_PARAM` key: OpenSSL keeps the pointer in the parameter, so it must outlive the call; a
    /// `StaticString`'s bytes live as long as the program.
    private static func name(_ key: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(key.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}

extension TLS13CipherSuite {
    /// One direction's secret, key and IV together.
    var materialLength: Int { hashLength + keyLength + Self.ivLength }

    /// ``digestName`` as a C string that lives as long as the program.
    var digestNamePointer: UnsafeMutablePointer<CChar> {
        let name: StaticString = self == .aes256GCMSHA384 ? "SHA384" : "SHA256"
        return UnsafeMutableRawPointer(mutating: name.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
