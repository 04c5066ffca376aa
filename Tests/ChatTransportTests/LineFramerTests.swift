import ChatTransport
import NIOCore
import Testing

@Suite struct LineFramerTests {
    private let allocator = ByteBufferAllocator()

    private func frames(_ framer: inout LineFramer, _ read: String) throws -> [InboundFrame] {
        var frames: [InboundFrame] = []
        try framer.frames(in: ByteBuffer(string: read), allocator: allocator) { frames.append($0) }
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

    @Test func anOverlongLineIsReportedOnceAndTooMuchOfItThrows() throws {
        var framer = LineFramer(maximumLineLength: 4, maximumSkippedBytes: 32)
        #expect(try frames(&framer, "0123456789") == [.overlong])
        #expect(try frames(&framer, "abc\nok\n") == [line("ok")])
        #expect(try frames(&framer, "0123456789") == [.overlong])
        #expect(throws: LineFrameDecoder.TooMuchOverlongData.self) {
            _ = try frames(&framer, String(repeating: "x", count: 64))
        }
    }

    @Test func whatTheBodyThrowsStopsTheFraming() throws {
        struct Stop: Error {}
        var framer = LineFramer(maximumLineLength: 16)
        var seen: [InboundFrame] = []
        #expect(throws: Stop.self) {
            try framer.frames(in: ByteBuffer(string: "a\nb\nc\n"), allocator: allocator) { frame in
                seen.append(frame)
                if seen.count == 2 { throw Stop() }
            }
        }
        #expect(seen == [line("a"), line("b")])
    }
}
