import ChatTransport
import NIOCore
import Testing

@Suite struct LineFramerTests {
    /// Appends `read` and takes every frame it completes.
    private func frames(_ framer: inout LineFramer, _ read: String) throws -> [InboundFrame] {
        framer.append(ByteBuffer(string: read))
        var frames: [InboundFrame] = []
        while let frame = try framer.next() { frames.append(frame) }
        return frames
    }

    private func line(_ text: String) -> InboundFrame {
        .line(ByteBuffer(string: text))
    }

    @Test func linesSplitAcrossReadsComeOutWholeAndInOrder() throws {
        var framer = LineFramer(maximumLineLength: 16)
        #expect(try frames(&framer, "one\ntw") == [line("one")])
        #expect(try frames(&framer, "o") == [])
        #expect(try frames(&framer, "\nthree\nfour\n") == [line("two"), line("three"), line("four")])
        #expect(framer.finish() == nil, "nothing is left after whole lines")
    }

    @Test func anUnfinishedLineAtTheEndIsTheLastLine() throws {
        var framer = LineFramer(maximumLineLength: 16)
        #expect(try frames(&framer, "done\nhalf a li") == [line("done")])
        #expect(try frames(&framer, "ne") == [])
        #expect(framer.finish() == line("half a line"))
        #expect(framer.finish() == nil)
    }

    /// A connection that closes while one of a read's lines is acted on: the rest of that read came after the close.
    @Test func finishingInTheMiddleOfAReadDropsItsOtherLines() throws {
        var framer = LineFramer(maximumLineLength: 16)
        framer.append(ByteBuffer(string: "first\nsecond\nthird"))
        #expect(try framer.next() == line("first"))
        #expect(framer.finish() == nil)
        #expect(try framer.next() == nil)
    }

    @Test func anOverlongLineIsReportedOnceAndTooMuchOfItThrows() throws {
        var framer = LineFramer(maximumLineLength: 4, maximumSkippedBytes: 32)
        #expect(try frames(&framer, "0123456789") == [.overlong])
        #expect(try frames(&framer, "abc\nok\n") == [line("ok")])
        #expect(try frames(&framer, "0123456789") == [.overlong])
        #expect(throws: LineFrameDecoder.TooMuchOverlongData.self) {
            _ = try frames(&framer, String(repeating: "x", count: 64))
        }
        #expect(try framer.next() == nil, "what was not framed is dropped with the error")
    }
}
