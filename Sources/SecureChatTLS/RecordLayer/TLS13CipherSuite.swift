internal import COpenSSL

/// A TLS 1.3 cipher suite as the record layer needs it: the AEAD, its key length and the key schedule's hash.
enum TLS13CipherSuite: UInt16, CaseIterable, Sendable {
    case aes128GCMSHA256 = 0x1301
    case aes256GCMSHA384 = 0x1302
    case chacha20Poly1305SHA256 = 0x1303

    /// Every suite's nonce is 12 bytes (RFC 8446, 5.3: `iv_length` is the AEAD's nonce length).
    static let ivLength = 12
    /// Every suite's tag is 16 bytes.
    static let tagLength = 16

    /// The suite OpenSSL negotiated, by its IANA number; `nil` for any other.
    init?(protocolID: UInt16) {
        self.init(rawValue: protocolID)
    }

    var keyLength: Int {
        switch self {
        case .aes128GCMSHA256: 16
        case .aes256GCMSHA384, .chacha20Poly1305SHA256: 32
        }
    }

    /// The length of a traffic secret: the hash's output.
    var hashLength: Int {
        switch self {
        case .aes256GCMSHA384: 48
        case .aes128GCMSHA256, .chacha20Poly1305SHA256: 32
        }
    }

    /// The hash's name for `TLS13-KDF`.
    var digestName: String {
        switch self {
        case .aes256GCMSHA384: "SHA384"
        case .aes128GCMSHA256, .chacha20Poly1305SHA256: "SHA256"
        }
    }

    /// IANA's name, as OpenSSL prints it.
    var name: String {
        switch self {
        case .aes128GCMSHA256: "TLS_AES_128_GCM_SHA256"
        case .aes256GCMSHA384: "TLS_AES_256_GCM_SHA384"
        case .chacha20Poly1305SHA256: "TLS_CHACHA20_POLY1305_SHA256"
        }
    }

    /// The AEAD's name for `EVP_CIPHER_fetch`.
    var cipherName: String {
        switch self {
        case .aes128GCMSHA256: "AES-128-GCM"
        case .aes256GCMSHA384: "AES-256-GCM"
        case .chacha20Poly1305SHA256: "ChaCha20-Poly1305"
        }
    }

    /// How many records one key may protect before we update it. RFC 8446, 5.5: AES-GCM keys are good for about
    /// 2^24.5 full records; ChaCha20-Poly1305's limit is far beyond any sequence number, but one rule for all keeps
    /// the key update path in use.
    static let recordsPerKey: UInt64 = 1 << 24
}
