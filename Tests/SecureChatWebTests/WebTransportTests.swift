import ChatTransport
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import SecureChatTLS
@testable import SecureChatWeb

/// The web side in an `EmbeddedChannel`, between a stand-in for the line framer and one for the session's handler:
/// HTTP in, the page or the upgrade out; then frames in, lines to the session; lines out, frames.
struct WebTransportTests {
    /// Stands where `LineFramingHandler` is until the web side takes its place.
    final class Framing: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
    }

    /// Stands for `SessionInputHandler`: keeps what reaches the session.
    final class Session: ChannelInboundHandler {
        typealias InboundIn = InboundFrame
        typealias OutboundOut = ByteBuffer
        var frames: [InboundFrame] = []
        var opened = false
        var context: ChannelHandlerContext?
        func handlerAdded(context: ChannelHandlerContext) { self.context = context }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.append(unwrapInboundIn(data)) }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is WebSocketOpened { opened = true }
        }
        func write(_ text: String) {
            context!.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
    }

    let session = Session()
    let channel: EmbeddedChannel

    init() throws {
        channel = EmbeddedChannel()
        let framing = Framing()
        try channel.pipeline.syncOperations.addHandlers([framing, session])
        let tls = TLSSessionInfo(protocolVersion: "TLSv1.3", cipher: "x", peer: nil, applicationProtocol: "http/1.1")
        try WebTransport(settings: WebSettings(maximumMessageLength: 100))
            .takeOver(channel.pipeline.syncOperations, replacing: framing, before: session, tls: tls)
    }

    func request(_ lines: [String]) throws {
        try channel.writeInbound(ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n\r\n"))
        // The upgrade's steps are tasks on the loop.
        channel.embeddedEventLoop.run()
    }

    func sent() throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    func sentBytes() throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    static let upgrade = [
        "GET /chat HTTP/1.1", "Host: localhost:7443", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: securechat.v1",
    ]

    static func masked(_ text: String, opcode: UInt8 = 0x81) -> ByteBuffer {
        let key: [UInt8] = [7, 1, 2, 3]
        let payload = Array(text.utf8)
        return ByteBuffer(
            bytes: [opcode, 0x80 | UInt8(payload.count)] + key + payload.enumerated().map { $1 ^ key[$0 % 4] }
        )
    }

    @Test func theUpgradeOpensTheSessionAndCarriesLinesBothWays() throws {
        try request(Self.upgrade + ["Origin: https://localhost:7443"])
        let answer = try sent()
        #expect(answer.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        // RFC 6455's own example key and accept value.
        #expect(answer.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="))
        #expect(answer.lowercased().contains("sec-websocket-protocol: securechat.v1"))
        #expect(session.opened)

        try channel.writeInbound(Self.masked("say hi"))
        #expect(session.frames == [.line(ByteBuffer(string: "say hi"))])

        session.write("CHAT a: x\nOK y\n")
        #expect(try sentBytes() == [0x81, 9] + Array("CHAT a: x".utf8) + [0x81, 4] + Array("OK y".utf8))

        _ = try? channel.close().wait()
        #expect(try sentBytes() == [0x88, 2, 0x03, 0xE8])
    }

    /// The frames made once for a room's web recipients are the bytes the bridge and NIO's encoder make of the same
    /// lines: every length encoding (7, 16 and 64 bits, at each edge), empty lines, a last line without a newline.
    @Test func framesMadeOnceAreTheFramesTheEncoderMakes() throws {
        try request(Self.upgrade)
        _ = try sent()
        let cases = [
            "CHAT a: x\n", "\n", "a\n\nb\n", "no newline", "two\nlines without one",
            String(repeating: "x", count: 125) + "\n", String(repeating: "y", count: 126) + "\n",
            String(repeating: "z", count: 65535) + "\n", String(repeating: "w", count: 65536) + "\n",
            "NOTICE the server is shutting down\nBYE server is shutting down\n",
        ]
        for text in cases {
            session.write(text)
            let expected = try sentBytes()
            #expect(!expected.isEmpty)
            #expect(Array(WebSocketTextFrames.frames(of: ByteBuffer(string: text)).readableBytesView) == expected)
        }
        #expect(WebSocketTextFrames.frames(of: ByteBuffer()).readableBytes == 0)
    }

    /// The room's direct writes go out only while the bridge says the WebSocket is open: not before the upgrade, and
    /// not once a close frame came in.
    @Test func theBridgeIsOpenFromTheUpgradeUntilAClose() throws {
        let bridge = try channel.pipeline.syncOperations.handler(type: WebSocketLineBridge.self)
        #expect(!bridge.isOpen)
        try request(Self.upgrade)
        _ = try sent()
        #expect(bridge.isOpen)
        try channel.writeInbound(Self.masked("", opcode: 0x88))
        #expect(!bridge.isOpen)
        #expect(try sentBytes() == [0x88, 2, 0x03, 0xE8])
    }

    /// The bridge stops being open when the server closes the WebSocket, and when the decoder refused a frame.
    @Test func theBridgeClosesForTheServerAndForARefusedFrame() throws {
        try request(Self.upgrade)
        _ = try sent()
        let bridge = try channel.pipeline.syncOperations.handler(type: WebSocketLineBridge.self)
        bridge.errorCaught(
            context: try channel.pipeline.syncOperations.context(handler: bridge),
            error: NIOWebSocketError.multiByteControlFrameLength
        )
        #expect(!bridge.isOpen)

        let other = try WebTransportTests()
        try other.request(Self.upgrade)
        _ = try other.sent()
        let otherBridge = try other.channel.pipeline.syncOperations.handler(type: WebSocketLineBridge.self)
        #expect(otherBridge.isOpen)
        _ = try? other.channel.close().wait()
        #expect(!otherBridge.isOpen)
    }

    /// The room's writer for an open WebSocket hands the frames to the TLS handler (here waiting for its handshake,
    /// so they stay buffered there), and nothing once the bridge is no longer open.
    @Test func theDirectWriterWritesWhileTheBridgeIsOpenOnly() throws {
        try request(Self.upgrade)
        _ = try sent()
        let context = try TLSContext(configuration: .client(serverHostname: "localhost", serverVerification: .none))
        let tls = try TLSHandler(context: context)
        try channel.pipeline.syncOperations.addHandler(tls, position: .first)
        let writer = try #require(WebSocketDirectWriter(channel: channel))
        let frames = WebSocketTextFrames.frames(of: ByteBuffer(string: "CHAT a: x\n"))
        writer.write(frames: frames)
        #expect(tls.pendingWrites.bufferedBytes == frames.readableBytes)
        let bridge = try channel.pipeline.syncOperations.handler(type: WebSocketLineBridge.self)
        bridge.errorCaught(
            context: try channel.pipeline.syncOperations.context(handler: bridge),
            error: NIOWebSocketError.multiByteControlFrameLength
        )
        writer.write(frames: frames)
        #expect(tls.pendingWrites.bufferedBytes == frames.readableBytes)
    }

    /// What may sit between TLS and the bridge for the frames to stand for what it would write.
    @Test func theWriterSkipsOnlyTheFrameEncoder() {
        #expect(WebSocketDirectWriter.skipsOnlyTheFraming(["WebSocketFrameEncoder", "WebSocketLineBridge"]))
        #expect(
            WebSocketDirectWriter.skipsOnlyTheFraming(["WebSocketFrameEncoder", "WebSocketLineBridge", "Session"])
        )
        #expect(!WebSocketDirectWriter.skipsOnlyTheFraming(["WebSocketLineBridge"]))
        #expect(
            !WebSocketDirectWriter.skipsOnlyTheFraming(["Compressor", "WebSocketFrameEncoder", "WebSocketLineBridge"])
        )
        #expect(!WebSocketDirectWriter.skipsOnlyTheFraming(["WebSocketFrameEncoder"]))
        #expect(!WebSocketDirectWriter.skipsOnlyTheFraming(nil))
    }

    @Test func nothingOfTheSessionGoesOutBeforeTheUpgrade() throws {
        session.write("BYE login timed out\n")
        #expect(try sentBytes().isEmpty)
        #expect(!session.opened)
    }

    @Test func thePageAndItsHeaders() throws {
        try request(["GET / HTTP/1.1", "Host: localhost:7443"])
        let answer = try sent()
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(
            answer.contains("content-security-policy: default-src 'none'")
                || answer.contains("Content-Security-Policy: default-src 'none'")
        )
        #expect(answer.contains("<script src=\"/app.js\""))
        #expect(!session.opened)
        try request(["GET /nothing-here HTTP/1.1", "Host: localhost:7443"])
        #expect(try sent().hasPrefix("HTTP/1.1 404 Not Found\r\n"))
    }

    @Test func aHandshakeFromAnotherSiteIsForbidden() throws {
        try request(Self.upgrade + ["Origin: https://evil.example"])
        let answer = try sent()
        #expect(answer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(answer.hasSuffix("pages from https://evil.example may not open this chat\n"))
        #expect(!session.opened)
    }

    @Test func theSubprotocolIsMatchedExactly() throws {
        try request(
            Self.upgrade.filter { !$0.hasPrefix("Sec-WebSocket-Protocol") } + ["Sec-WebSocket-Protocol: SecureChat.v1"]
        )
        #expect(try sent().hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!session.opened)
    }

    @Test func aTextFrameInPiecesAndAPing() throws {
        try request(Self.upgrade)
        _ = try sent()
        try channel.writeInbound(Self.masked("say ", opcode: 0x01))
        try channel.writeInbound(Self.masked("ping", opcode: 0x89))
        #expect(try sentBytes() == [0x8A, 4] + Array("ping".utf8))
        try channel.writeInbound(Self.masked("two", opcode: 0x80))
        #expect(session.frames == [.line(ByteBuffer(string: "say two"))])
    }
}
