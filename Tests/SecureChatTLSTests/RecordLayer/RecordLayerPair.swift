import NIOCore

@testable import SecureChatTLS

/// Two record layers facing each other, as a handed-over server and its client would: each one's write secret is the
/// other's read secret. The `client` side is our record layer too, used as a peer that can send anything.
struct RecordLayerPair {
    let server: TLS13RecordLayer
    let client: TLS13RecordLayer

    init(suite: TLS13CipherSuite, recordsPerKey: UInt64 = TLS13CipherSuite.recordsPerKey) throws {
        let clientSecret = SecretBytes.copying(Self.randomBytes(suite.hashLength))
        let serverSecret = SecretBytes.copying(Self.randomBytes(suite.hashLength))
        server = try TLS13RecordLayer(
            suite: suite,
            readSecret: clientSecret,
            readSequence: 0,
            writeSecret: serverSecret,
            writeSequence: 0,
            recordsPerKey: recordsPerKey
        )
        client = try TLS13RecordLayer(
            suite: suite,
            readSecret: serverSecret,
            readSequence: 0,
            writeSecret: clientSecret,
            writeSequence: 0
        )
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

/// What reading everything waiting on a record layer gave.
struct ReadResult {
    var plaintext = ""
    var records = 0
    var closeNotify = false
    var failure: TLSError?
}

extension TLS13RecordLayer {
    /// Reads record after record until none is whole or the connection ends.
    func readAll() -> ReadResult {
        var result = ReadResult()
        var buffer = ByteBuffer()
        reading: while true {
            switch read(into: &buffer) {
            case .complete(.bytes):
                result.records += 1
            case .complete(.closeNotify):
                result.closeNotify = true
                break reading
            case .incomplete:
                break reading
            case .failed(let error):
                result.failure = error
                break reading
            }
        }
        result.plaintext = String(buffer: buffer)
        return result
    }

    /// Moves everything this side wrote to `peer`.
    func send(to peer: TLS13RecordLayer) {
        if let ciphertext = drainCiphertext() {
            peer.receive(ciphertext)
        }
    }

    /// Seals one record of `content` with any content type byte and `padding`.
    func sealRaw(type: UInt8, _ content: [UInt8], padding: Int = 0) throws {
        try content.withUnsafeBytes { bytes in
            try seal(rawContentType: type, content: bytes, padding: padding)
        }
    }

    func writeString(_ text: String) {
        _ = write(ByteBuffer(string: text))
    }
}
