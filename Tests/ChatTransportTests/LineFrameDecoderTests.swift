import ChatCore
import ChatTransport
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite struct LineFrameDecoderTests {
    private func line(_ text: String) -> InboundFrame {
        .line(ByteBuffer(string: text))
    }

    @Test func verifierSplitsLinesAtEveryByteBoundary() throws {
        let inputs: [(ByteBuffer, [InboundFrame])] = [
            (ByteBuffer(string: "hello\n"), [line("hello")]),
            (ByteBuffer(string: "a\nbb\n\n"), [line("a"), line("bb"), line("")]),
            (ByteBuffer(string: "crlf\r\n"), [line("crlf\r")]),
            (ByteBuffer(string: "ünïcödé ✓\n"), [line("ünïcödé ✓")]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: inputs) {
            LineFrameDecoder(maximumLineLength: 16)
        }
    }

    /// The pull API the server's `SessionInputHandler` uses without a `ByteToMessageHandler`: the caller keeps the
    /// unfinished rest and appends the next read to it.
    @Test func nextFramesWhatIsWholeAndLeavesTheRestForTheNextRead() throws {
        var decoder = LineFrameDecoder(maximumLineLength: 8)
        var buffer = ByteBuffer(string: "one\ntw")
        var frames: [InboundFrame] = []
        while let frame = try decoder.next(from: &buffer) { frames.append(frame) }
        #expect(frames == [line("one")])
        #expect(String(buffer: buffer) == "tw")

        buffer.writeString("o\n0123456789abc")
        frames = []
        while let frame = try decoder.next(from: &buffer) { frames.append(frame) }
        #expect(frames == [line("two"), .overlong], "an over-long line is reported once")
        buffer.writeString("def\nlast")
        frames = []
        while let frame = try decoder.next(from: &buffer) { frames.append(frame) }
        #expect(frames.isEmpty, "the rest of the over-long line is skipped; 'last' has no newline yet")
        #expect(decoder.last(from: &buffer) == line("last"), "at the end a final line needs no newline")
        #expect(buffer.readableBytes == 0)
    }

    @Test func nextThrowsOnceTooMuchHasComeWithoutANewline() throws {
        var decoder = LineFrameDecoder(maximumLineLength: 4, maximumSkippedBytes: 16)
        var buffer = ByteBuffer(string: "0123456789")
        #expect(try decoder.next(from: &buffer) == .overlong)
        #expect(try decoder.next(from: &buffer) == nil)
        buffer.writeString(String(repeating: "x", count: 20))
        #expect(throws: LineFrameDecoder.TooMuchOverlongData.self) { try decoder.next(from: &buffer) }
        #expect(decoder.last(from: &buffer) == nil, "nothing of a skipped line counts at the end")
    }

    @Test func anOverlongLineIsReportedOnceAndSkippedToItsNewline() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 8)))
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }
        try channel.writeInbound(ByteBuffer(string: "short\n0123456789abcdef"))
        try channel.writeInbound(ByteBuffer(string: "ghij\nnext\n"))
        #expect(try channel.readInbound(as: InboundFrame.self) == line("short"))
        #expect(try channel.readInbound(as: InboundFrame.self) == .overlong)
        #expect(try channel.readInbound(as: InboundFrame.self) == line("next"))
        #expect(try channel.readInbound(as: InboundFrame.self) == nil)
    }

    @Test func anOverlongLineInsideOneReadIsSkipped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 4)))
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }
        try channel.writeInbound(ByteBuffer(string: "toolong\nok\n"))
        #expect(try channel.readInbound(as: InboundFrame.self) == .overlong)
        #expect(try channel.readInbound(as: InboundFrame.self) == line("ok"))
    }

    @Test func aLineOfExactlyTheLimitWithCRLFIsAccepted() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 4)))
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }
        try channel.writeInbound(ByteBuffer(string: "abcd\r"))
        try channel.writeInbound(ByteBuffer(string: "\n"))
        #expect(try channel.readInbound(as: InboundFrame.self) == line("abcd\r"))
    }

    @Test func endlessDataWithoutNewlineDropsTheConnection() throws {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 8, maximumSkippedBytes: 32))
        )
        try channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: 20)))
        #expect(try channel.readInbound(as: InboundFrame.self) == .overlong)
        #expect(throws: LineFrameDecoder.TooMuchOverlongData.self) {
            try channel.writeInbound(ByteBuffer(string: String(repeating: "y", count: 40)))
        }
        _ = try? channel.finish()
    }

    @Test func aFinalLineWithoutNewlineIsDeliveredAtEOF() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 8)))
        try channel.writeInbound(ByteBuffer(string: "last"))
        #expect(try channel.readInbound(as: InboundFrame.self) == nil)
        channel.pipeline.fireChannelInactive()
        #expect(try channel.readInbound(as: InboundFrame.self) == line("last"))
        _ = try? channel.finish()
    }
}
