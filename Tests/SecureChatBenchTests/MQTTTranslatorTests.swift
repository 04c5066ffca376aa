import NIOCore
import Testing

@testable import SecureChatBench

/// The MQTT 5 side of `--peer mqtt`, without sockets: the packets the bench sends, and what Mosquitto's packets become.
struct MQTTTranslatorTests {
    private func encode(_ translator: inout MQTTTranslator, _ text: String) -> [UInt8] {
        var out = ByteBuffer()
        translator.encode(ByteBuffer(string: text), into: &out)
        return Array(out.readableBytesView)
    }

    private func actions(_ translator: inout MQTTTranslator, _ bytes: [UInt8]) throws -> [PeerAction] {
        translator.append(ByteBuffer(bytes: bytes))
        var actions: [PeerAction] = []
        while let action = try translator.next() { actions.append(action) }
        return actions
    }

    private static let bench = Array("bench".utf8)

    @Test func theLoginLineConnectsAndLaterLinesArePublished() {
        var translator = MQTTTranslator()
        // CONNECT: "MQTT", version 5, clean start, keep-alive 0, no properties, client id "bob".
        #expect(
            encode(&translator, "bob\n")
                == [0x10, 16, 0, 4, 0x4D, 0x51, 0x54, 0x54, 5, 0x02, 0, 0, 0, 0, 3] + Array("bob".utf8)
        )
        // PUBLISH, QoS 0: topic "bench", no properties, the line without its newline.
        #expect(encode(&translator, "hi\n") == [0x30, 10, 0, 5] + Self.bench + [0] + Array("hi".utf8))
    }

    @Test func connackSubscribesAndSubackEndsTheLogin() throws {
        var translator = MQTTTranslator()
        _ = encode(&translator, "bob\n")
        let subscribe: [UInt8] = [0x82, 11, 0, 1, 0, 0, 5] + Self.bench + [0x04]
        #expect(try actions(&translator, [0x20, 3, 0, 0, 0]) == [.reply(ByteBuffer(bytes: subscribe))])
        #expect(try actions(&translator, [0x90, 4, 0, 1, 0, 0]) == [.up(ByteBuffer(string: "WELCOME bob\n"))])
    }

    @Test func refusalsAndDisconnectsAreReported() throws {
        var translator = MQTTTranslator()
        #expect(
            try actions(&translator, [0x20, 3, 0, 0x87, 0])
                == [.up(ByteBuffer(string: "ERROR MQTT CONNACK reason 135\n"))]
        )
        #expect(
            try actions(&translator, [0x90, 4, 0, 1, 0, 0x80])
                == [.up(ByteBuffer(string: "ERROR MQTT SUBACK reason 128\n"))]
        )
        #expect(
            try actions(&translator, [0xE0, 1, 0x8B]) == [.up(ByteBuffer(string: "BYE MQTT DISCONNECT reason 139\n"))]
        )
        #expect(try actions(&translator, [0xD0, 0]) == [.none])
    }

    @Test func aPublishBecomesAChatLineEvenByteByByte() throws {
        var sender = MQTTTranslator()
        _ = encode(&sender, "s\n")
        let payload = String(repeating: "y", count: 200)  // a two-byte remaining length
        let packet = encode(&sender, "0 3 5 \(payload)\n")
        #expect(packet[1] & 0x80 != 0)
        var receiver = MQTTTranslator()
        var got: [PeerAction] = []
        for byte in packet { got += try actions(&receiver, [byte]) }
        #expect(got == [.up(ByteBuffer(string: "CHAT mqtt: 0 3 5 \(payload)\n"))])
        // Two packets in one read, one with properties (a topic alias), the next one not.
        let withProperties: [UInt8] = [0x30, 12, 0, 5] + Self.bench + [3, 0x23, 0, 1] + Array("a".utf8)
        #expect(
            try actions(&receiver, withProperties + [0x30, 9, 0, 5] + Self.bench + [0] + Array("b".utf8))
                == [.up(ByteBuffer(string: "CHAT mqtt: a\n")), .up(ByteBuffer(string: "CHAT mqtt: b\n"))]
        )
    }

    @Test func malformedLengthsAreErrors() {
        var translator = MQTTTranslator()
        #expect(throws: MQTTTranslator.Malformed.self) { try actions(&translator, [0x30, 0x80, 0x80, 0x80, 0x80, 1]) }
        var big = MQTTTranslator()
        #expect(throws: MQTTTranslator.Malformed.self) { try actions(&big, [0x30, 0x80, 0x80, 0x80, 0x01]) }
        var short = MQTTTranslator()
        #expect(throws: MQTTTranslator.Malformed.self) { try actions(&short, [0x30, 3, 0, 9, 0]) }
    }
}
