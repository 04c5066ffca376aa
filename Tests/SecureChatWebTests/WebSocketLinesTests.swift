import NIOCore
import NIOWebSocket
import Testing

@testable import SecureChatWeb

/// One text message is one line; everything else the RFC or our limits forbid closes with its code.
struct WebSocketLinesTests {
    let settings = WebSettings(maximumMessageLength: 32)

    func frame(
        _ opcode: WebSocketOpcode,
        _ text: String,
        fin: Bool = true,
        masked: Bool = true,
        rsv1: Bool = false
    ) -> WebSocketFrame {
        let key: WebSocketMaskingKey? = masked ? WebSocketMaskingKey([1, 2, 3, 4])! : nil
        var data = ByteBuffer(string: text)
        if let key { data.webSocketMask(key) }
        return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, maskKey: key, data: data)
    }

    @Test func aTextMessageIsALine() {
        var lines = WebSocketLines(settings: settings)
        #expect(lines.received(frame(.text, "say hi"), now: 0) == .line(ByteBuffer(string: "say hi")))
        // A CR at the end is the line protocol's business (CRLF is accepted there).
        #expect(lines.received(frame(.text, "ping\r"), now: 0) == .line(ByteBuffer(string: "ping\r")))
    }

    @Test func fragmentsAreJoinedInOrder() {
        var lines = WebSocketLines(settings: settings)
        #expect(lines.received(frame(.text, "say ", fin: false), now: 0) == .none)
        #expect(lines.received(frame(.continuation, "in ", fin: false), now: 0) == .none)
        // A control frame may come between the fragments.
        #expect(lines.received(frame(.ping, "p"), now: 0) == .pong(ByteBuffer(string: "p")))
        #expect(lines.received(frame(.continuation, "parts"), now: 0) == .line(ByteBuffer(string: "say in parts")))
    }

    @Test func whatTheRFCForbidsIsAProtocolError() {
        var lines = WebSocketLines(settings: settings)
        #expect(
            lines.received(frame(.text, "x", masked: false), now: 0)
                == .close(.protocolError, "a client's frames must be masked")
        )
        lines = WebSocketLines(settings: settings)
        #expect(
            lines.received(frame(.text, "x", rsv1: true), now: 0)
                == .close(.protocolError, "no extension was agreed, so no reserved bit may be set")
        )
        lines = WebSocketLines(settings: settings)
        #expect(
            lines.received(frame(.continuation, "x"), now: 0)
                == .close(.protocolError, "a continuation with no message to continue")
        )
        lines = WebSocketLines(settings: settings)
        _ = lines.received(frame(.text, "x", fin: false), now: 0)
        #expect(
            lines.received(frame(.text, "y"), now: 0)
                == .close(.protocolError, "a new message before the last one ended")
        )
        lines = WebSocketLines(settings: settings)
        #expect(
            lines.received(frame(WebSocketOpcode(encodedWebSocketOpcode: 0x3)!, "x"), now: 0)
                == .close(.protocolError, "unknown opcode")
        )
    }

    @Test func onlyOneUTF8LinePerMessage() {
        var lines = WebSocketLines(settings: settings)
        #expect(
            lines.received(frame(.binary, "say hi"), now: 0)
                == .close(.unacceptableData, "only text frames carry lines")
        )
        lines = WebSocketLines(settings: settings)
        #expect(
            lines.received(frame(.text, "say a\nBYE fake"), now: 0)
                == .close(.dataInconsistentWithMessage, "one line per message: no line breaks")
        )
        lines = WebSocketLines(settings: settings)
        #expect(
            lines.received(frame(.text, "say a\rb"), now: 0)
                == .close(.dataInconsistentWithMessage, "one line per message: no line breaks")
        )
        lines = WebSocketLines(settings: settings)
        var bad = ByteBuffer(bytes: Array("say ".utf8) + [0xFF, 0xFE])
        let key: WebSocketMaskingKey = [9, 8, 7, 6]
        bad.webSocketMask(key)
        #expect(
            lines.received(WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: bad), now: 0)
                == .close(.dataInconsistentWithMessage, "a text message must be UTF-8")
        )
    }

    @Test func aMessageIsAtMostOneLineLongInAFewFrames() {
        var lines = WebSocketLines(settings: settings)
        _ = lines.received(frame(.text, String(repeating: "a", count: 20), fin: false), now: 0)
        #expect(
            lines.received(frame(.continuation, String(repeating: "b", count: 13)), now: 0)
                == .close(.messageTooLarge, "a line is at most 32 bytes")
        )
        lines = WebSocketLines(settings: settings)
        _ = lines.received(frame(.text, "", fin: false), now: 0)
        var last = WebSocketLines.Action.none
        for _ in 0..<64 { last = lines.received(frame(.continuation, "", fin: false), now: 0) }
        #expect(last == .close(.policyViolation, "a message in more than 64 frames"))
    }

    @Test func pingsAreAnsweredAtAPersonsPace() {
        var lines = WebSocketLines(settings: settings)
        for index in 0..<10 {
            #expect(lines.received(frame(.ping, "\(index)"), now: 0) == .pong(ByteBuffer(string: "\(index)")))
        }
        #expect(lines.received(frame(.ping, "x"), now: 0) == .close(.policyViolation, "too many pings"))
        lines = WebSocketLines(settings: settings)
        // One a second goes on for ever.
        for second in 0..<100 { #expect(lines.received(frame(.ping, ""), now: Double(second)) == .pong(ByteBuffer())) }
    }

    @Test func aCloseIsAnsweredAndPongsCountAsPings() {
        var lines = WebSocketLines(settings: settings)
        for _ in 0..<10 { #expect(lines.received(frame(.pong, "x"), now: 0) == .none) }
        #expect(lines.received(frame(.pong, "x"), now: 0) == .close(.policyViolation, "too many pongs"))
        lines = WebSocketLines(settings: settings)
        #expect(lines.received(frame(.connectionClose, ""), now: 0) == .close(.normalClosure, ""))
    }

    @Test func aCloseFrameMustHoldACodeAnEndpointSends() {
        func close(_ bytes: [UInt8]) -> WebSocketFrame {
            let key: WebSocketMaskingKey = [1, 2, 3, 4]
            var data = ByteBuffer(bytes: bytes)
            data.webSocketMask(key)
            return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: key, data: data)
        }
        let refused = WebSocketLines.Action.close(
            .protocolError,
            "a malformed close frame (its code, its length or its reason)"
        )
        for bytes: [UInt8] in [[0x03], [0x03, 0xED], [0x03, 0xEE], [0x03, 0xF7], [0x00, 0x01], [0x03, 0xE8, 0xFF]] {
            var lines = WebSocketLines(settings: settings)
            #expect(lines.received(close(bytes), now: 0) == refused, "\(bytes)")
        }
        for bytes: [UInt8] in [[], [0x03, 0xE8], [0x03, 0xE9] + Array("bye".utf8), [0x0F, 0xA0]] {
            var lines = WebSocketLines(settings: settings)
            #expect(lines.received(close(bytes), now: 0) == .close(.normalClosure, ""), "\(bytes)")
        }
    }
}

struct OriginPolicyTests {
    @Test func theServersOwnOriginAndTheConfiguredOnesMay() {
        let policy = OriginPolicy(allowedOrigins: ["https://Chat.Example.org/"])
        #expect(policy.refusal(origin: "https://localhost:7443", host: "localhost:7443") == nil)
        #expect(policy.refusal(origin: "https://chat.example.org", host: "chat.example.org:443") == nil)
        #expect(policy.refusal(origin: "https://LOCALHOST:7443", host: "localhost:7443") == nil)
        #expect(policy.refusal(origin: "https://chat.example.org", host: "localhost:7443") == nil)
        // A program that sends no Origin could send any.
        #expect(policy.refusal(origin: nil, host: "localhost:7443") == nil)
    }

    @Test func otherPagesMayNot() {
        let policy = OriginPolicy(allowedOrigins: [])
        #expect(policy.refusal(origin: "https://evil.example", host: "localhost:7443") != nil)
        #expect(policy.refusal(origin: "http://localhost:7443", host: "localhost:7443") != nil)
        #expect(policy.refusal(origin: "https://localhost:7443.evil.example", host: "localhost:7443") != nil)
        #expect(policy.refusal(origin: "https://localhost:7444", host: "localhost:7443") != nil)
        #expect(policy.refusal(origin: "null", host: "localhost:7443") != nil)
        #expect(policy.refusal(origin: "https://localhost:7443", host: nil) != nil)
        #expect(
            policy.refusal(origin: "https://x\u{1B}[2J", host: "h") == "pages from https://x?[2J may not open this chat"
        )
    }

    @Test func originsAreCheckedWhenGiven() {
        #expect(OriginPolicy.isValid("https://chat.example.org"))
        #expect(OriginPolicy.isValid("https://localhost:8443"))
        // A page over plain HTTP could be anybody's.
        #expect(!OriginPolicy.isValid("http://localhost:8080"))
        #expect(!OriginPolicy.isValid("chat.example.org"))
        #expect(!OriginPolicy.isValid("https://chat.example.org/path"))
        #expect(!OriginPolicy.isValid("https://"))
    }
}
