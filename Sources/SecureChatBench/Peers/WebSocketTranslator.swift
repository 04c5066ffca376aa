import NIOCore

/// SecureChat's own protocol over its WebSocket (docs/WEB.md), to measure what the web side costs the server beside
/// the line protocol: once TLS is up (ALPN `http/1.1`) the connection asks for the upgrade, and from the `101` on
/// every text message from the server is a line and every line is one masked text message. The server's pings are
/// answered; its close frame ends nothing here (the TLS close that follows does).
///
/// The masking key is all zeros: legal, and it leaves the generator's bytes as they are, while the server unmasks
/// every message as it would a browser's.
struct WebSocketTranslator: PeerTranslator {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private let host: String
    /// What is not translated yet.
    private var pending: ByteBuffer?
    private var upgraded = false

    init(host: String) {
        self.host = host
    }

    func opening() -> PeerAction {
        let request = [
            "GET /chat HTTP/1.1", "Host: \(host)", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Protocol: securechat.v1",
        ]
        return .reply(ByteBuffer(string: request.joined(separator: "\r\n") + "\r\n\r\n"))
    }

    mutating func append(_ read: ByteBuffer) {
        Self.append(read, to: &pending)
    }

    mutating func next() throws -> PeerAction? {
        guard var bytes = pending else { return nil }
        pending = nil
        let action = upgraded ? try Self.frame(from: &bytes) : try upgrade(from: &bytes)
        if bytes.readableBytes > 0 { pending = bytes }
        return action
    }

    /// The answer to the upgrade request: `101`, or the reason it was refused.
    private mutating func upgrade(from bytes: inout ByteBuffer) throws -> PeerAction? {
        let view = bytes.readableBytesView
        let end = Array("\r\n\r\n".utf8)
        guard let start = view.indices.first(where: { view[$0...].starts(with: end) }) else { return nil }
        let head = bytes.readString(length: start - view.startIndex + end.count) ?? ""
        guard head.hasPrefix("HTTP/1.1 101 ") else {
            throw Malformed(description: "the server refused the WebSocket: \(head.prefix { $0 != "\r" })")
        }
        upgraded = true
        return PeerAction.none
    }

    /// The next whole frame of the server's, if one has arrived.
    private static func frame(from bytes: inout ByteBuffer) throws -> PeerAction? {
        let start = bytes.readerIndex
        guard let first = bytes.getInteger(at: start, as: UInt8.self),
            let second = bytes.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        guard second & 0x80 == 0 else { throw Malformed(description: "a masked frame from the server") }
        var header = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = bytes.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            header = 4
        } else if length == 127 {
            guard let extended = bytes.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            guard extended <= UInt64(Int32.max) else { throw Malformed(description: "a frame of \(extended) bytes") }
            length = Int(extended)
            header = 10
        }
        guard bytes.readableBytes >= header + length else { return nil }
        bytes.moveReaderIndex(forwardBy: header)
        var payload = bytes.readSlice(length: length)!
        switch first & 0x0F {
        case 0x1:
            var line = ByteBuffer()
            line.reserveCapacity(length + 1)
            line.writeBuffer(&payload)
            line.writeInteger(UInt8(ascii: "\n"))
            return .up(line)
        case 0x9:
            var pong = ByteBuffer()
            Self.writeFrame(opcode: 0xA, payload: payload.readableBytesView, into: &pong)
            return .reply(pong)
        default:
            return PeerAction.none
        }
    }

    mutating func encode(_ lines: ByteBuffer, into out: inout ByteBuffer) {
        Self.forEachLine(in: lines) { line in Self.writeFrame(opcode: 0x1, payload: line, into: &out) }
    }

    /// One masked frame (key 0: the payload goes as it is).
    private static func writeFrame(opcode: UInt8, payload: ByteBufferView, into out: inout ByteBuffer) {
        out.writeInteger(0x80 | opcode)
        if payload.count < 126 {
            out.writeInteger(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            out.writeInteger(UInt8(0x80 | 126))
            out.writeInteger(UInt16(payload.count))
        } else {
            out.writeInteger(UInt8(0x80 | 127))
            out.writeInteger(UInt64(payload.count))
        }
        out.writeInteger(UInt32(0))
        out.writeBytes(payload)
    }
}
