import NIOCore
import Testing

@testable import SecureChatTLS

/// The record layer a handed-over connection runs (RFC 8446, 5), between two of ours: records both ways for every
/// suite, records split and joined, padding, key updates, close_notify, and every malformed record it must refuse
/// with the right alert.
@Suite struct TLS13RecordLayerTests {
    @Test(arguments: TLS13CipherSuite.allCases)
    func recordsBothWaysForEverySuite(suite: TLS13CipherSuite) throws {
        let pair = try RecordLayerPair(suite: suite)
        let big = String(repeating: "0123456789abcdef", count: 2500)  // 40 000 bytes: three records
        pair.server.writeString("hello\n")
        pair.server.writeString(big)
        pair.server.send(to: pair.client)
        let read = pair.client.readAll()
        #expect(read.plaintext == "hello\n" + big)
        #expect(read.records == 4)
        #expect(read.failure == nil)
        pair.client.writeString("and back\n")
        pair.client.send(to: pair.server)
        #expect(pair.server.readAll().plaintext == "and back\n")
        #expect(pair.server.writeKeys.sequence == 4 && pair.server.readKeys.sequence == 1)
    }

    @Test func aRecordSplitAtEveryByteAndSeveralRecordsInOneRead() throws {
        let pair = try RecordLayerPair(suite: .aes256GCMSHA384)
        for line in ["one\n", "two\n", "three\n", "four\n"] {
            pair.client.writeString(line)
        }
        let ciphertext = try #require(pair.client.drainCiphertext())
        var received = ""
        for byte in ciphertext.readableBytesView {
            pair.server.receive(ByteBuffer(bytes: [byte]))
            let read = pair.server.readAll()
            #expect(read.failure == nil)
            received += read.plaintext
        }
        #expect(received == "one\ntwo\nthree\nfour\n")

        pair.client.writeString("five\n")
        pair.client.writeString("six\n")
        pair.client.send(to: pair.server)
        let read = pair.server.readAll()
        #expect(read.plaintext == "five\nsix\n" && read.records == 2)
    }

    @Test func paddingAndEmptyRecordsAreAccepted() throws {
        let pair = try RecordLayerPair(suite: .aes128GCMSHA256)
        try pair.client.sealRaw(type: 23, Array("padded\n".utf8), padding: 200)
        try pair.client.sealRaw(type: 23, [], padding: 0)
        try pair.client.sealRaw(type: 23, [], padding: 31)
        // The largest record there may be: 2^14 bytes of content, the type byte and padding up to 2^14 + 256.
        let full = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 14)
        try pair.client.sealRaw(type: 23, full, padding: 256 - 1 - 16)
        pair.client.send(to: pair.server)
        let read = pair.server.readAll()
        #expect(read.failure == nil)
        #expect(read.plaintext == "padded\n" + String(repeating: "x", count: 1 << 14))
        #expect(read.records == 4)
    }

    @Test func aKeyUpdateRequestIsAnsweredOnceUntilWeWriteAgain() throws {
        let pair = try RecordLayerPair(suite: .chacha20Poly1305SHA256)
        try pair.client.sendKeyUpdate(requestingPeerUpdate: true)
        pair.client.writeString("after my update\n")
        pair.client.send(to: pair.server)
        #expect(pair.server.readAll().plaintext == "after my update\n")
        #expect(pair.server.readKeys.generation == 1)
        #expect(pair.server.writeKeys.generation == 1, "our own update answers the request")

        // A second request while we have sent nothing since: the update already sent answers it too.
        try pair.client.sendKeyUpdate(requestingPeerUpdate: true)
        pair.client.send(to: pair.server)
        #expect(pair.server.readAll().failure == nil)
        #expect(pair.server.readKeys.generation == 2 && pair.server.writeKeys.generation == 1)

        pair.server.writeString("reply\n")
        pair.server.send(to: pair.client)
        let read = pair.client.readAll()
        #expect(read.plaintext == "reply\n" && read.failure == nil)
        #expect(pair.client.readKeys.generation == 1)

        // After our application data, a new request gets a new update.
        try pair.client.sendKeyUpdate(requestingPeerUpdate: true)
        pair.client.send(to: pair.server)
        _ = pair.server.readAll()
        #expect(pair.server.writeKeys.generation == 2)
        try pair.client.sendKeyUpdate(requestingPeerUpdate: false)
        pair.client.writeString("unrequested\n")
        pair.client.send(to: pair.server)
        #expect(pair.server.readAll().plaintext == "unrequested\n")
        #expect(pair.server.readKeys.generation == 4 && pair.server.writeKeys.generation == 2)
    }

    @Test func aKeyUpdateSplitAcrossRecords() throws {
        let pair = try RecordLayerPair(suite: .aes128GCMSHA256)
        try pair.client.sealRaw(type: 22, [24, 0])
        try pair.client.sealRaw(type: 22, [0, 1, 0])
        pair.client.writeString("new key\n")  // the client's own key moves only with sendKeyUpdate: update by hand
        let ciphertext = try #require(pair.client.drainCiphertext())
        pair.server.receive(ciphertext)
        var buffer = ByteBuffer()
        #expect(pair.server.read(into: &buffer) == .complete(.bytes(0)))
        #expect(pair.server.read(into: &buffer) == .complete(.bytes(0)))
        #expect(pair.server.readKeys.generation == 1)
        // The client did not update its key, so its next record fails under the server's new read key.
        guard case .failed(let error) = pair.server.read(into: &buffer) else {
            Issue.record("a record under the old key was accepted after the update")
            return
        }
        #expect(error.detail.contains("bad_record_mac"))
    }

    @Test func ourKeyIsUpdatedBeforeItWearsOut() throws {
        let pair = try RecordLayerPair(suite: .aes256GCMSHA384, recordsPerKey: 3)
        for index in 1...10 {
            pair.server.writeString("line \(index)\n")
        }
        pair.server.send(to: pair.client)
        let read = pair.client.readAll()
        #expect(read.failure == nil)
        #expect(read.plaintext == (1...10).map { "line \($0)\n" }.joined())
        #expect(pair.server.writeKeys.generation == 3 && pair.client.readKeys.generation == 3)
        #expect(pair.server.writeKeys.sequence == 1)
    }

    @Test func closeNotifyBothWays() throws {
        let pair = try RecordLayerPair(suite: .aes128GCMSHA256)
        pair.client.writeString("last words\n")
        _ = pair.client.shutdown()
        pair.client.send(to: pair.server)
        let read = pair.server.readAll()
        #expect(read.plaintext == "last words\n" && read.closeNotify)
        _ = pair.server.shutdown()
        _ = pair.server.shutdown()  // once only
        pair.server.send(to: pair.client)
        var buffer = ByteBuffer()
        #expect(pair.client.read(into: &buffer) == .complete(.closeNotify))
        #expect(pair.client.read(into: &buffer) == .incomplete)
    }

    @Test func aPeerAlertEndsTheConnectionWithoutAnAnswer() throws {
        let pair = try RecordLayerPair(suite: .aes128GCMSHA256)
        try pair.client.sealRaw(type: 21, [2, 40])
        pair.client.send(to: pair.server)
        let read = pair.server.readAll()
        #expect(read.failure?.detail == "the peer sent alert handshake_failure")
        #expect(pair.server.drainCiphertext() == nil, "no alert answers an alert")
        pair.server.writeString("too late\n")
        #expect(pair.server.drainCiphertext() == nil)
    }

    /// Records that bring nothing cost a decryption each: 32 in a row pass, the 33rd fails; data resets the count.
    @Test func aRunOfRecordsWithoutDataIsCutShort() throws {
        let pair = try RecordLayerPair(suite: .aes128GCMSHA256)
        for _ in 0..<30 { try pair.client.sealRaw(type: 23, []) }
        try pair.client.sendKeyUpdate(requestingPeerUpdate: false)
        try pair.client.sealRaw(type: 21, [1, 90])
        pair.client.writeString("data\n")
        for _ in 0..<32 { try pair.client.sealRaw(type: 23, [], padding: 5) }
        pair.client.send(to: pair.server)
        let read = pair.server.readAll()
        #expect(read.failure == nil && read.plaintext == "data\n")
        try pair.client.sealRaw(type: 23, [])
        pair.client.send(to: pair.server)
        #expect(pair.server.readAll().failure?.detail.hasSuffix("sent unexpected_message") == true)
    }

    @Test func userCanceledIsNotAnError() throws {
        let pair = try RecordLayerPair(suite: .aes128GCMSHA256)
        try pair.client.sealRaw(type: 21, [1, 90])
        pair.client.writeString("still here\n")
        pair.client.send(to: pair.server)
        let read = pair.server.readAll()
        #expect(read.failure == nil && read.plaintext == "still here\n")
    }

    /// One malformed input and the alert it must draw.
    struct Malformed: CustomTestStringConvertible, Sendable {
        let name: String
        let alert: String
        /// What reaches the application before the bad record.
        var delivered = ""
        let make: @Sendable (TLS13RecordLayer) throws -> [UInt8]
        var testDescription: String { name }

        /// The bytes of one record sealed by `client`.
        static func sealed(
            _ client: TLS13RecordLayer,
            type: UInt8,
            _ content: [UInt8],
            padding: Int = 0
        ) throws
            -> [UInt8]
        {
            try client.sealRaw(type: type, content, padding: padding)
            return Array(client.drainCiphertext()!.readableBytesView)
        }
    }

    static let corpus: [Malformed] = [
        Malformed(name: "a flipped tag byte", alert: "bad_record_mac") { client in
            var record = try Malformed.sealed(client, type: 23, Array("hi\n".utf8))
            record[record.count - 1] ^= 1
            return record
        },
        Malformed(name: "a flipped ciphertext byte", alert: "bad_record_mac") { client in
            var record = try Malformed.sealed(client, type: 23, Array("hi\n".utf8))
            record[6] ^= 0x80
            return record
        },
        Malformed(name: "a changed header (the additional data)", alert: "bad_record_mac") { client in
            var record = try Malformed.sealed(client, type: 23, Array("hi\n".utf8))
            record[2] = 0x01
            return record
        },
        Malformed(name: "a replayed record", alert: "bad_record_mac", delivered: "hi\n") { client in
            let record = try Malformed.sealed(client, type: 23, Array("hi\n".utf8))
            return record + record
        },
        Malformed(name: "a record skipped", alert: "bad_record_mac") { client in
            _ = try Malformed.sealed(client, type: 23, Array("lost\n".utf8))
            return try Malformed.sealed(client, type: 23, Array("hi\n".utf8))
        },
        Malformed(name: "an unprotected handshake record", alert: "unexpected_message") { _ in
            [22, 3, 3, 0, 5, 24, 0, 0, 1, 0]
        },
        Malformed(name: "an unprotected alert", alert: "unexpected_message") { _ in [21, 3, 3, 0, 2, 2, 40] },
        Malformed(name: "a change_cipher_spec record", alert: "unexpected_message") { _ in [20, 3, 3, 0, 1, 1] },
        Malformed(name: "a record type that does not exist", alert: "unexpected_message") { _ in
            [99, 3, 3, 0, 1, 1]
        },
        Malformed(name: "a length over 2^14 + 256", alert: "record_overflow") { _ in [23, 3, 3, 0x41, 0x01] },
        Malformed(name: "a record shorter than its tag", alert: "bad_record_mac") { _ in
            [23, 3, 3, 0, 10] + [UInt8](repeating: 7, count: 10)
        },
        Malformed(name: "only padding, no content type", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 0, [], padding: 0)
        },
        Malformed(name: "an unknown inner content type", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 99, [1, 2, 3])
        },
        Malformed(name: "a protected change_cipher_spec", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 20, [1])
        },
        Malformed(name: "plaintext over 2^14 bytes", alert: "record_overflow") { client in
            try Malformed.sealed(client, type: 23, [UInt8](repeating: 65, count: (1 << 14) + 1))
        },
        Malformed(name: "an alert of one byte", alert: "decode_error") { client in
            try Malformed.sealed(client, type: 21, [2])
        },
        Malformed(name: "two alerts in one record", alert: "decode_error") { client in
            try Malformed.sealed(client, type: 21, [1, 90, 1, 0])
        },
        Malformed(name: "a NewSessionTicket from the client", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 22, [4, 0, 0, 1, 0])
        },
        Malformed(name: "a Finished after the handshake", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 22, [20, 0, 0, 32] + [UInt8](repeating: 0, count: 32))
        },
        Malformed(name: "a Certificate never asked for", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 22, [11, 0, 0, 4, 0, 0, 0, 0])
        },
        Malformed(name: "an empty handshake record", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 22, [], padding: 3)
        },
        Malformed(name: "a KeyUpdate asking for 2", alert: "illegal_parameter") { client in
            try Malformed.sealed(client, type: 22, [24, 0, 0, 1, 2])
        },
        Malformed(name: "a KeyUpdate of two bytes", alert: "decode_error") { client in
            try Malformed.sealed(client, type: 22, [24, 0, 0, 2, 0, 0])
        },
        Malformed(name: "data after a KeyUpdate in its record", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 22, [24, 0, 0, 1, 0, 24])
        },
        Malformed(name: "application data inside a handshake message", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 22, [24, 0]) + Malformed.sealed(client, type: 23, Array("x".utf8))
        },
        Malformed(name: "an alert inside a handshake message", alert: "unexpected_message") { client in
            try Malformed.sealed(client, type: 22, [24]) + Malformed.sealed(client, type: 21, [1, 0])
        },
    ]

    /// Each malformed input fails the connection with its alert, which the peer can read; nothing is delivered after
    /// it and later reads and writes fail.
    @Test(arguments: corpus)
    func malformedRecordsDrawTheirAlert(_ malformed: Malformed) throws {
        let pair = try RecordLayerPair(suite: .aes128GCMSHA256)
        pair.client.writeString("before\n")
        pair.client.send(to: pair.server)
        let bytes = try malformed.make(pair.client)
        pair.server.receive(ByteBuffer(bytes: bytes + Array("\u{17}\u{3}\u{3}".utf8)))
        let read = pair.server.readAll()
        #expect(read.plaintext == "before\n" + malformed.delivered)
        let failure = try #require(read.failure)
        #expect(failure.detail.hasSuffix("sent \(malformed.alert)"), "\(failure)")
        #expect(pair.server.inboundBytes == 0, "nothing more is read")

        pair.server.send(to: pair.client)
        #expect(pair.client.readAll().failure?.detail == "the peer sent alert \(malformed.alert)")
        var buffer = ByteBuffer()
        #expect(pair.server.read(into: &buffer) == .failed(failure))
        guard case .failed = pair.server.write(ByteBuffer(string: "x")) else {
            Issue.record("a write after the failure was accepted")
            return
        }
    }
}
