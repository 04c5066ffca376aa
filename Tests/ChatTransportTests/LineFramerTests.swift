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

    /// The same with the rest of that read only part of a line: it came after the close too.
    @Test func finishingInTheMiddleOfAReadDropsItsUnfinishedEnd() throws {
        var framer = LineFramer(maximumLineLength: 16)
        framer.append(ByteBuffer(string: "first\nthe rest of a li"))
        #expect(try framer.next() == line("first"))
        #expect(framer.finish() == nil)
        framer.append(ByteBuffer(string: "ne\nmore\n"))
        #expect(try framer.next() == nil, "nothing is framed after finish()")
    }

    /// A read appended while the previous one is being framed (NIO reads again when a write fails) comes after it.
    @Test func aReadAppendedBetweenFramesComesAfterTheRestOfTheFirst() throws {
        var framer = LineFramer(maximumLineLength: 16)
        framer.append(ByteBuffer(string: "a\nb\nc"))
        #expect(try framer.next() == line("a"))
        #expect(try frames(&framer, "d\ne") == [line("b"), line("cd")])
        #expect(try framer.next() == nil)
        #expect(framer.finish() == line("e"), "the end of the last read is a final line")
    }

    @Test func anOverlongLineIsReportedOnceAndTooMuchOfItThrows() throws {
        var framer = LineFramer(maximumLineLength: 4, maximumSkippedBytes: 32)
        #expect(try frames(&framer, "0123456789") == [.overlong])
        #expect(try frames(&framer, "abc\nok\n") == [line("ok")])
        #expect(try frames(&framer, "0123456789") == [.overlong])
        #expect(throws: LineFrameDecoder.TooMuchOverlongData.self) {
            _ = try frames(&framer, String(repeating: "x", count: 64))
        }
        framer.append(ByteBuffer(string: "ok\n"))
        #expect(try framer.next() == nil, "after the error nothing more is framed")
    }
}
