import NIOCore
import Testing

@testable import SecureChatTLS

/// RFC 8446, 5.3: a (key, nonce) pair must never protect two records. Over random lives of a connection (records of
/// every size, key updates we make when a key wears out, updates the peer makes, asked for or not), every record
/// each side sends is opened by the other, and the receiver notes the key and nonce it opened each with. The receiver
/// derives them from its own count and its own key updates, so a sender that reused a nonce, or skipped or repeated a
/// sequence number, would produce a record that does not authenticate; every record opening and no pair repeating
/// means the sender used each pair once.
@Suite struct TLS13NonceTests {
    @Test(arguments: Array(TLS13CipherSuite.allCases.enumerated()))
    func noKeyAndNoncePairIsEverUsedTwice(_ seeded: (offset: Int, element: TLS13CipherSuite)) throws {
        var random = SeededRandom(seed: UInt64(seeded.offset) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        let pair = try RecordLayerPair(suite: seeded.element, recordsPerKey: 7)
        var seenByClient = Set<[UInt8]>()
        var seenByServer = Set<[UInt8]>()
        var opened = 0

        func openAll(on receiver: TLS13RecordLayer, noting seen: inout Set<[UInt8]>) {
            var buffer = ByteBuffer()
            while true {
                let pairUsed = receiver.readKeys.withKeyAndNonce { key, nonce in Array(key) + Array(nonce) }
                switch receiver.read(into: &buffer) {
                case .complete(.bytes):
                    #expect(seen.insert(pairUsed).inserted, "a key and nonce used twice")
                    opened += 1
                case .incomplete:
                    return
                case .complete(.closeNotify), .failed:
                    Issue.record("the record layer stopped: \(receiver.readAll())")
                    return
                }
            }
        }

        for _ in 0..<600 {
            switch random.next() % 6 {
            case 0, 1:
                let size = Int(random.next() % 40_000) + 1
                _ = pair.server.write(ByteBuffer(repeating: 0x61, count: size))
            case 2:
                _ = pair.client.write(ByteBuffer(repeating: 0x62, count: Int(random.next() % 300) + 1))
            case 3:
                try pair.client.sendKeyUpdate(requestingPeerUpdate: random.next() % 2 == 0)
            case 4:
                pair.server.send(to: pair.client)
                openAll(on: pair.client, noting: &seenByClient)
            default:
                pair.client.send(to: pair.server)
                openAll(on: pair.server, noting: &seenByServer)
            }
        }
        pair.client.send(to: pair.server)
        openAll(on: pair.server, noting: &seenByServer)
        pair.server.send(to: pair.client)
        openAll(on: pair.client, noting: &seenByClient)

        #expect(opened == seenByClient.count + seenByServer.count)
        #expect(pair.server.writeKeys.generation > 20, "our own key updates happened")
        #expect(pair.server.readKeys.generation > 20, "the peer's key updates happened")
        #expect(pair.client.readKeys.generation == pair.server.writeKeys.generation)
    }

    /// The nonce is the IV with the sequence number XORed into its last 8 bytes, big-endian (RFC 8446, 5.3).
    @Test func theNonceIsTheIVXoredWithTheSequenceNumber() throws {
        let secret = SecretBytes.copying([UInt8](repeating: 0x11, count: 32))
        var keys = try TLS13TrafficKeys(suite: .aes128GCMSHA256, secret: secret, sequence: 0x0102_0304_0506_0708)
        let iv = Array(keys.iv)
        let nonce = keys.withKeyAndNonce { _, nonce in Array(nonce) }
        let sequence: [UInt8] = [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]
        #expect(nonce == zip(iv, sequence).map { $0 ^ $1 })
        let counted = keys.recordDone()
        #expect(counted)
        #expect(keys.withKeyAndNonce { _, nonce in nonce[11] } == iv[11] ^ 9)
        let before = Array(keys.key)
        try keys.update()
        #expect(keys.sequence == 0 && keys.generation == 1 && Array(keys.key) != before)
    }
}

/// SplitMix64: the same sequence for the same seed, so a failing life can be replayed.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
