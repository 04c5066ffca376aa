import NIOCore

/// MQTT 5 (as Mosquitto 2.0 speaks it) for the bench: the login line becomes a CONNECT with that client id (clean
/// start, no keep-alive), its CONNACK is answered with a SUBSCRIBE to the topic `bench` (QoS 0, No Local, so a
/// sender does not get its own messages, as in a chat room), and the SUBACK is the bench's `WELCOME`. Later lines
/// become QoS 0 PUBLISHes to `bench`, and every PUBLISH from the server a `CHAT mqtt: <payload>` line. A refused
/// CONNECT or SUBSCRIBE becomes an `ERROR` line, the server's DISCONNECT a `BYE`.
struct MQTTTranslator: PeerTranslator {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// Larger packets are refused: the bench's messages are a few hundred bytes.
    static let maximumPacketLength = 1 << 20
    private static let topic = Array(PeerProtocol.room.utf8)
    private static let chatPrefix = Array("CHAT mqtt: ".utf8)

    /// What is not translated yet.
    private var pending: ByteBuffer?
    /// The client id, once the login line has been sent.
    private var clientID: String?

    mutating func append(_ read: ByteBuffer) {
        Self.append(read, to: &pending)
    }

    mutating func next() throws -> PeerAction? {
        guard var bytes = pending else { return nil }
        pending = nil
        let packet = try Self.packet(from: &bytes)
        if bytes.readableBytes > 0 { pending = bytes }
        guard let (first, body) = packet else { return nil }
        return try translate(first: first, body: body)
    }

    mutating func encode(_ lines: ByteBuffer, into out: inout ByteBuffer) {
        Self.forEachLine(in: lines) { line in
            guard clientID != nil else {
                clientID = String(decoding: line, as: UTF8.self)
                Self.writeConnect(clientID: line, into: &out)
                return
            }
            Self.writePublish(payload: line, into: &out)
        }
    }

    /// Takes one whole packet off `bytes`: its first byte (type and flags) and its body. Nil if it is not all there.
    static func packet(from bytes: inout ByteBuffer) throws -> (UInt8, ByteBuffer)? {
        let view = bytes.readableBytesView
        guard view.count >= 2 else { return nil }
        var length = 0
        var shift = 0
        var index = view.startIndex + 1
        while true {
            guard index < view.endIndex else { return nil }
            let byte = view[index]
            index += 1
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            guard shift < 28 else { throw Malformed(description: "a remaining length of more than 4 bytes") }
        }
        guard length <= maximumPacketLength else {
            throw Malformed(description: "a packet of \(length) bytes (the limit is \(maximumPacketLength))")
        }
        let headerLength = index - view.startIndex
        guard view.count >= headerLength + length else { return nil }
        let first = bytes.readInteger(as: UInt8.self)!
        bytes.moveReaderIndex(forwardBy: headerLength - 1)
        return (first, bytes.readSlice(length: length)!)
    }

    private func translate(first: UInt8, body: ByteBuffer) throws -> PeerAction {
        var body = body
        switch first >> 4 {
        case 2:  // CONNACK: acknowledge flags, reason code, properties
            guard let reason = body.getInteger(at: body.readerIndex + 1, as: UInt8.self) else {
                throw Malformed(description: "a CONNACK of \(body.readableBytes) bytes")
            }
            if reason == 0 { return .reply(Self.subscribe()) }
            return .up(ByteBuffer(string: "ERROR MQTT CONNACK reason \(reason)\n"))
        case 9:  // SUBACK: packet id, properties, a reason code per topic filter
            body.moveReaderIndex(forwardBy: min(2, body.readableBytes))
            try Self.skipProperties(&body)
            guard let reason = body.readInteger(as: UInt8.self) else {
                throw Malformed(description: "a SUBACK without a reason code")
            }
            if reason < 0x80 { return .up(ByteBuffer(string: "WELCOME \(clientID ?? "")\n")) }
            return .up(ByteBuffer(string: "ERROR MQTT SUBACK reason \(reason)\n"))
        case 3:  // PUBLISH: topic, packet id if QoS > 0, properties, payload
            guard let topicLength = body.readInteger(as: UInt16.self), body.readableBytes >= Int(topicLength) else {
                throw Malformed(description: "a PUBLISH shorter than its topic")
            }
            body.moveReaderIndex(forwardBy: Int(topicLength))
            if (first >> 1) & 3 != 0 { body.moveReaderIndex(forwardBy: min(2, body.readableBytes)) }
            try Self.skipProperties(&body)
            var line = ByteBuffer()
            line.reserveCapacity(Self.chatPrefix.count + body.readableBytes + 1)
            line.writeBytes(Self.chatPrefix)
            line.writeBuffer(&body)
            line.writeInteger(UInt8(ascii: "\n"))
            return .up(line)
        case 14:  // DISCONNECT: reason code (absent: 0)
            let reason = body.readInteger(as: UInt8.self) ?? 0
            return .up(ByteBuffer(string: "BYE MQTT DISCONNECT reason \(reason)\n"))
        default:
            return .none
        }
    }

    /// Skips a property block: its length (a variable byte integer) and that many bytes.
    private static func skipProperties(_ body: inout ByteBuffer) throws {
        var length = 0
        var shift = 0
        while true {
            guard let byte = body.readInteger(as: UInt8.self), shift < 28 else {
                throw Malformed(description: "a truncated property length")
            }
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard body.readableBytes >= length else { throw Malformed(description: "truncated properties") }
        body.moveReaderIndex(forwardBy: length)
    }

    private static func writeFixedHeader(_ first: UInt8, remainingLength: Int, into out: inout ByteBuffer) {
        out.writeInteger(first)
        var length = remainingLength
        repeat {
            var byte = UInt8(length & 0x7F)
            length >>= 7
            if length > 0 { byte |= 0x80 }
            out.writeInteger(byte)
        } while length > 0
    }

    private static func writeConnect(clientID: ByteBufferView, into out: inout ByteBuffer) {
        // "MQTT", version 5, clean start, keep-alive 0 (off), no properties; payload: the client id.
        let variableHeader: [UInt8] = [0, 4, 0x4D, 0x51, 0x54, 0x54, 5, 0x02, 0, 0, 0]
        writeFixedHeader(0x10, remainingLength: variableHeader.count + 2 + clientID.count, into: &out)
        out.writeBytes(variableHeader)
        out.writeInteger(UInt16(clientID.count))
        out.writeBytes(clientID)
    }

    static func subscribe() -> ByteBuffer {
        var out = ByteBuffer()
        // Packet id 1, no properties, the topic filter, options: QoS 0 and No Local.
        writeFixedHeader(0x82, remainingLength: 2 + 1 + 2 + topic.count + 1, into: &out)
        out.writeInteger(UInt16(1))
        out.writeInteger(UInt8(0))
        out.writeInteger(UInt16(topic.count))
        out.writeBytes(topic)
        out.writeInteger(UInt8(0x04))
        return out
    }

    private static func writePublish(payload: ByteBufferView, into out: inout ByteBuffer) {
        writeFixedHeader(0x30, remainingLength: 2 + topic.count + 1 + payload.count, into: &out)
        out.writeInteger(UInt16(topic.count))
        out.writeBytes(topic)
        out.writeInteger(UInt8(0))
        out.writeBytes(payload)
    }
}
