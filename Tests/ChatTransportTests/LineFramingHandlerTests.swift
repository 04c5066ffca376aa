import ChatTransport
import NIOCore
import NIOEmbedded
import Testing

/// What reaches the handler after the framer, in order.
private enum Event: Equatable {
    case frame(InboundFrame)
    case readComplete
    case inactive
    case tooMuchData
    case otherError
}

/// The handler after the framer: records what reaches it; with `closeOnLine`, closes the channel on that line, as
/// the session does when the answer to a line fails to be written.
private final class Recorder: ChannelInboundHandler {
    typealias InboundIn = InboundFrame

    private(set) var events: [Event] = []
    private let closeOnLine: String?

    init(closeOnLine: String? = nil) {
        self.closeOnLine = closeOnLine
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        events.append(.frame(frame))
        if let closeOnLine, frame == .line(ByteBuffer(string: closeOnLine)) {
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        events.append(.readComplete)
    }

    func channelInactive(context: ChannelHandlerContext) {
        events.append(.inactive)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        events.append(error is LineFrameDecoder.TooMuchOverlongData ? .tooMuchData : .otherError)
    }
}

@Suite struct LineFramingHandlerTests {
    private func line(_ text: String) -> Event {
        .frame(.line(ByteBuffer(string: text)))
    }

    /// A channel with the framer and a recorder after it, connected (so closing it reaches `channelInactive`).
    private func channel(
        maximumLineLength: Int = 16,
        maximumSkippedBytes: Int = 64,
        recorder: Recorder
    ) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handlers: [
            LineFramingHandler(maximumLineLength: maximumLineLength, maximumSkippedBytes: maximumSkippedBytes),
            recorder,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// Every line of a read comes before the read's end, so the next handler can carry a pipelined batch out
    /// together; an unfinished line waits for the next read.
    @Test func aReadsLinesAllComeBeforeItsEnd() throws {
        let recorder = Recorder()
        let channel = try channel(recorder: recorder)
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }

        try channel.writeInbound(ByteBuffer(string: "one\ntwo\nthr"))
        try channel.writeInbound(ByteBuffer(string: "ee\n"))
        #expect(recorder.events == [line("one"), line("two"), .readComplete, line("three"), .readComplete])
    }

    @Test func anUnfinishedLineCountsAsTheLastLineBeforeTheChannelGoesInactive() throws {
        let recorder = Recorder()
        let channel = try channel(recorder: recorder)

        try channel.writeInbound(ByteBuffer(string: "done\nhalf a li"))
        try channel.writeInbound(ByteBuffer(string: "ne"))
        _ = try channel.finish()
        #expect(recorder.events == [line("done"), .readComplete, .readComplete, line("half a line"), .inactive])
    }

    /// A line whose handling closes the channel: the rest of that read came after the close and is dropped.
    @Test func linesAfterACloseInTheMiddleOfAReadAreDropped() throws {
        let recorder = Recorder(closeOnLine: "second")
        let channel = try channel(recorder: recorder)
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }

        try channel.writeInbound(ByteBuffer(string: "first\nsecond\nthird\nand a half"))
        #expect(recorder.events == [line("first"), line("second"), .inactive, .readComplete])
        #expect(!channel.isActive)
    }

    @Test func anOverlongLineIsReportedAndTooMuchOfItIsAnError() throws {
        let recorder = Recorder()
        let channel = try channel(maximumLineLength: 4, maximumSkippedBytes: 32, recorder: recorder)
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }

        try channel.writeInbound(ByteBuffer(string: "0123456789"))
        try channel.writeInbound(ByteBuffer(string: "abc\nok\n"))
        #expect(recorder.events == [.frame(.overlong), .readComplete, line("ok"), .readComplete])

        try channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: 64)))
        try channel.writeInbound(ByteBuffer(string: "more\n"))
        #expect(
            recorder.events.suffix(4) == [.frame(.overlong), .tooMuchData, .readComplete, .readComplete],
            "after the error nothing more is framed"
        )
    }
}
