public import NIOCore

/// Frames one connection's reads into lines from a channel handler, without a `ByteToMessageHandler` behind it: a
/// ``LineFrameDecoder`` and the start of a line whose newline has not arrived yet.
///
/// Between whole lines nothing is kept. An unfinished line is kept as a right-sized copy: the read's own buffer has
/// room for a whole TLS record, and holding on to it would keep all of that per connection.
public struct LineFramer {
    private var decoder: LineFrameDecoder
    private var unfinished: ByteBuffer?

    /// A framer for lines of at most `maximumLineLength` bytes (see ``LineFrameDecoder``).
    public init(maximumLineLength: Int, maximumSkippedBytes: Int = 64 * 1024) {
        self.decoder = LineFrameDecoder(maximumLineLength: maximumLineLength, maximumSkippedBytes: maximumSkippedBytes)
    }

    /// Hands every frame that `bytes` (the next read) completes to `body`, in order, and keeps the rest.
    ///
    /// - Throws: ``LineFrameDecoder/TooMuchOverlongData`` when a peer keeps sending without a newline, or what
    ///   `body` throws.
    public mutating func frames(
        in bytes: ByteBuffer,
        allocator: ByteBufferAllocator,
        _ body: (InboundFrame) throws -> Void
    ) throws {
        var bytes = bytes
        if var earlier = unfinished {
            unfinished = nil
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        while let frame = try decoder.next(from: &bytes) {
            try body(frame)
        }
        if bytes.readableBytes > 0 {
            var rest = allocator.buffer(capacity: bytes.readableBytes)
            rest.writeBuffer(&bytes)
            unfinished = rest
        }
    }

    /// At the end of the stream: the unfinished line as a final line (as `ByteToMessageHandler` does), if any.
    public mutating func finish() -> InboundFrame? {
        guard var rest = unfinished else { return nil }
        unfinished = nil
        return decoder.last(from: &rest)
    }
}
