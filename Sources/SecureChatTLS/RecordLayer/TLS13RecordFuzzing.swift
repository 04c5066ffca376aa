import NIOCore

/// The record layer under a fuzzer (`make fuzz`, `Sources/SecureChatRecordFuzz`): one input drives one server-side
/// ``TLS13RecordLayer`` and a peer, and any crash, hang or broken invariant is a finding.
///
/// The input's first byte picks the suite, the server's key lifetime and the mode. Raw mode feeds the rest to the
/// server as ciphertext, cut into reads at places the input chooses: what a network attacker can send. Random bytes
/// almost never authenticate, so sealed mode reaches what lies behind the tag: the rest is a list of steps, each
/// either a record the peer seals with any content type, content and padding, a key update by the peer, or lines
/// the server writes; delivered in pieces, read after each.
@_spi(Fuzzing)
public enum TLS13RecordFuzzing {
    public static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let suite = TLS13CipherSuite.allCases[Int(first) % TLS13CipherSuite.allCases.count]
        let recordsPerKey = UInt64((first >> 2) & 0x7) + 1
        guard
            let server = try? TLS13RecordLayer(
                suite: suite,
                readSecret: .copying([UInt8](repeating: 0xC1, count: suite.hashLength)),
                readSequence: 3,
                writeSecret: .copying([UInt8](repeating: 0x5E, count: suite.hashLength)),
                writeSequence: 2,
                recordsPerKey: recordsPerKey
            ),
            let peer = try? TLS13RecordLayer(
                suite: suite,
                readSecret: .copying([UInt8](repeating: 0x5E, count: suite.hashLength)),
                readSequence: 2,
                writeSecret: .copying([UInt8](repeating: 0xC1, count: suite.hashLength)),
                writeSequence: 3
            )
        else {
            fatalError("cannot make the record layers")
        }
        var reader = Reader(bytes: UnsafeRawBufferPointer(rebasing: input.dropFirst()))
        if first & 0x80 == 0 {
            while let piece = reader.piece() {
                server.receive(ByteBuffer(bytes: piece))
                readAll(server, peer: peer)
            }
        } else {
            while let step = reader.byte() {
                switch step % 8 {
                case 0:
                    _ = server.write(ByteBuffer(repeating: 0x61, count: Int(reader.byte() ?? 1) * 7 + 1))
                    deliver(from: server, to: peer)
                case 1:
                    try? peer.sendKeyUpdate(requestingPeerUpdate: (reader.byte() ?? 0) & 1 == 1)
                default:
                    let type = reader.byte() ?? 23
                    let padding = Int(reader.byte() ?? 0) % 64
                    let content = reader.piece() ?? []
                    content.withUnsafeBytes { bytes in
                        try? peer.seal(rawContentType: type, content: bytes, padding: padding)
                    }
                }
                if let ciphertext = peer.drainCiphertext() {
                    let cut = min(ciphertext.readableBytes, Int(reader.byte() ?? 255))
                    server.receive(ciphertext.getSlice(at: ciphertext.readerIndex, length: cut)!)
                    readAll(server, peer: peer)
                    server.receive(
                        ciphertext.getSlice(at: ciphertext.readerIndex + cut, length: ciphertext.readableBytes - cut)!
                    )
                }
                readAll(server, peer: peer)
            }
        }
    }

    /// Reads until nothing whole is left; checks that a failure stops the connection for good and that the peer can
    /// read the alert it sent.
    private static func readAll(_ server: TLS13RecordLayer, peer: TLS13RecordLayer) {
        var buffer = ByteBuffer()
        var records = 0
        while true {
            switch server.read(into: &buffer) {
            case .complete(.bytes):
                records += 1
                precondition(records <= 1 << 20, "the record layer keeps reading without consuming")
                continue
            case .incomplete, .complete(.closeNotify):
                return
            case .failed(let error):
                precondition(server.inboundBytes == 0, "bytes kept after a failure")
                guard case .failed = server.read(into: &buffer) else {
                    preconditionFailure("a read after a failure did not fail")
                }
                _ = error
                deliver(from: server, to: peer)
                return
            }
        }
    }

    /// Moves what `sender` wrote to `receiver` and reads it, dropping the plaintext.
    private static func deliver(from sender: TLS13RecordLayer, to receiver: TLS13RecordLayer) {
        guard let ciphertext = sender.drainCiphertext() else { return }
        receiver.receive(ciphertext)
        var ignored = ByteBuffer()
        while case .complete = receiver.read(into: &ignored) {}
    }

    private struct Reader {
        var bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        /// A length byte, then that many bytes (fewer at the end).
        mutating func piece() -> [UInt8]? {
            guard let length = byte() else { return nil }
            let end = min(bytes.count, offset + Int(length) * 3 + 1)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
    }
}
