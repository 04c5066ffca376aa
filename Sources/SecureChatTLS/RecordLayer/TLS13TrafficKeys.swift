/// One direction's record protection state (RFC 8446, 5.3 and 7.3): the traffic secret, kept for key updates; the key
/// and IV derived from it; and the sequence number of the next record under that key.
struct TLS13TrafficKeys {
    let suite: TLS13CipherSuite
    /// The secret, the key and the IV, one after another: one allocation per direction, zeroed when dropped.
    private var material: SecretBytes
    /// The next record's sequence number; reset to 0 by each key update.
    private(set) var sequence: UInt64
    /// 0 for the keys the handshake produced, one more after each update.
    private(set) var generation = 0

    /// The keys of `secret`, with `sequence` records already protected by them.
    init(suite: TLS13CipherSuite, secret: SecretBytes, sequence: UInt64) throws(TLSError) {
        self.suite = suite
        self.sequence = sequence
        self.material = try secret.withUnsafeBytes { (secret) throws(TLSError) in
            try TLS13KeySchedule.material(of: secret, suite: suite)
        }
    }

    /// Copies, for tests.
    var secret: [UInt8] { Array(material.bytes[0..<suite.hashLength]) }
    var key: [UInt8] { Array(material.bytes[suite.hashLength..<(suite.hashLength + suite.keyLength)]) }
    var iv: [UInt8] { Array(material.bytes[(suite.hashLength + suite.keyLength)...]) }

    /// Whether the key has protected as many records as it may (``TLS13CipherSuite/recordsPerKey``, or `limit`).
    func isWornOut(limit: UInt64 = TLS13CipherSuite.recordsPerKey) -> Bool {
        sequence >= limit
    }

    /// Calls `body` with the key and the nonce of the next record: the IV with the sequence number, big-endian and
    /// left-padded to the IV's length, XORed in (RFC 8446, 5.3).
    func withKeyAndNonce<Result>(
        _ body: (_ key: UnsafeRawBufferPointer, _ nonce: UnsafeRawBufferPointer) -> Result
    ) -> Result {
        let keyStart = suite.hashLength
        let ivStart = keyStart + suite.keyLength
        let sequence = self.sequence
        return material.withUnsafeBytes { material in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TLS13CipherSuite.ivLength) { nonce in
                for index in 0..<TLS13CipherSuite.ivLength {
                    nonce[index] = material[ivStart + index]
                }
                for index in 0..<8 {
                    nonce[TLS13CipherSuite.ivLength - 1 - index] ^= UInt8(truncatingIfNeeded: sequence >> (8 * index))
                }
                defer { nonce.update(repeating: 0) }
                return body(
                    UnsafeRawBufferPointer(rebasing: material[keyStart..<ivStart]),
                    UnsafeRawBufferPointer(nonce)
                )
            }
        }
    }

    /// Counts one record protected or opened. Returns `false` when the sequence number would wrap, which RFC 8446
    /// forbids (5.3): the connection must end or the key change first.
    mutating func recordDone() -> Bool {
        guard sequence < UInt64.max else { return false }
        sequence += 1
        return true
    }

    /// Moves to the next generation: `application_traffic_secret_N+1` and its key and IV, sequence 0 (RFC 8446, 7.2).
    mutating func update() throws(TLSError) {
        material = try TLS13KeySchedule.nextMaterial(after: material, suite: suite)
        sequence = 0
        generation += 1
    }
}
