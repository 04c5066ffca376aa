import NIOCore
import Testing

@testable import SecureChatBench

/// The WebSocket side of `--peer websocket`, without sockets: the upgrade, frames in as lines, lines out as frames.
struct WebSocketTranslatorTests {
    private func actions(_ translator: inout WebSocketTranslator, _ bytes: [UInt8]) throws -> [PeerAction] {
        translator.append(ByteBuffer(bytes: bytes))
        var actions: [PeerAction] = []
        while let action = try translator.next() { actions.append(action) }
        return actions
    }

    private static let upgraded = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".utf8)

    @Test func itAsksForTheUpgradeAndReadsLinesFromTextFrames() throws {
        var translator = WebSocketTranslator(host: "localhost")
        guard case .reply(let request) = translator.opening() else {
            Issue.record("no upgrade request")
            return
        }
        let text = String(buffer: request)
        #expect(text.hasPrefix("GET /chat HTTP/1.1\r\nHost: localhost\r\n"))
        #expect(text.contains("\r\nSec-WebSocket-Protocol: securechat.v1\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
        // The 101 and the first frame in one read; a frame split over two.
        let prompt = [0x81, 21] + Array("PROMPT Enter username:".utf8).prefix(21)
        #expect(
            try actions(&translator, Self.upgraded + prompt) == [
                .none, .up(ByteBuffer(string: "PROMPT Enter username\n")),
            ]
        )
        #expect(try actions(&translator, [0x81, 5] + Array("OK ".utf8)) == [])
        #expect(try actions(&translator, Array("hi".utf8)) == [.up(ByteBuffer(string: "OK hi\n"))])
        // A ping is answered, masked (key 0).
        #expect(
            try actions(&translator, [0x89, 1, 0x41]) == [.reply(ByteBuffer(bytes: [0x8A, 0x81, 0, 0, 0, 0, 0x41]))]
        )
    }

    @Test func aRefusedUpgradeIsAnError() {
        var translator = WebSocketTranslator(host: "localhost")
        translator.append(ByteBuffer(string: "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))
        #expect(throws: WebSocketTranslator.Malformed.self) { try translator.next() }
    }

    @Test func eachLineIsOneMaskedTextFrame() {
        var translator = WebSocketTranslator(host: "localhost")
        var out = ByteBuffer()
        translator.encode(ByteBuffer(string: "say hi\r\nping\n"), into: &out)
        #expect(
            Array(out.readableBytesView) == [0x81, 0x86, 0, 0, 0, 0] + Array("say hi".utf8) + [0x81, 0x84, 0, 0, 0, 0]
                + Array("ping".utf8)
        )
        out.clear()
        translator.encode(ByteBuffer(string: String(repeating: "x", count: 200) + "\n"), into: &out)
        #expect(Array(out.readableBytesView.prefix(4)) == [0x81, 0x80 | 126, 0, 200])
    }
}
