public import NIOCore

/// Frames one connection's reads into lines from a channel handler, without a `ByteToMessageHandler` behind it: a
/// ``LineFrameDecoder`` and the bytes not framed yet.
///
/// A read is handed over with ``append(_:)`` and its frames taken one at a time with ``next()``, so no access to the
/// framer is open while the caller acts on a frame: acting on one may close the connection there and then, and the
/// close calls ``finish()`` on the same framer.
///
/// Between whole lines nothing is kept. An unfinished line is kept as a right-sized copy: the read's own buffer has
/// room for a whole TLS record, and holding on to it would keep all of that per connection.
public struct LineFramer {
    private var decoder: LineFrameDecoder
    /// What is not framed yet: the rest of the read being framed, or the start of an unfinished line.
    private var pending: ByteBuffer?
    /// A read was appended and `next()` has not yet run out of whole lines in it.
    private var isFraming = false
    /// `finish()` was called or the decoder gave up: nothing more is framed.
    private var isDone = false

    /// A framer for lines of at most `maximumLineLength` bytes (see ``LineFrameDecoder``).
    public init(maximumLineLength: Int, maximumSkippedBytes: Int = 64 * 1024) {
        self.decoder = LineFrameDecoder(maximumLineLength: maximumLineLength, maximumSkippedBytes: maximumSkippedBytes)
    }

    /// Adds the next read, after what was not framed yet (nothing, once finished).
    public mutating func append(_ read: ByteBuffer) {
        guard !isDone else { return }
        isFraming = true
        guard var earlier = pending else {
            pending = read
            return
        }
        var read = read
        earlier.writeBuffer(&read)
        pending = earlier
    }

    /// The next frame, or nil when what is left is not a whole line (it is kept for the next read).
    ///
    /// - Throws: ``LineFrameDecoder/TooMuchOverlongData`` when a peer keeps sending without a newline; what was not
    ///   framed yet is dropped.
    public mutating func next() throws -> InboundFrame? {
        guard var bytes = pending else {
            isFraming = false
            return nil
        }
        pending = nil
        let frame: InboundFrame?
        do {
            frame = try decoder.next(from: &bytes)
        } catch {
            isFraming = false
            isDone = true
            throw error
        }
        if let frame {
            if bytes.readableBytes > 0 { pending = bytes }
            return frame
        }
        isFraming = false
        if bytes.readableBytes > 0 {
            // NIO's default allocator, as every channel's: not kept in the framer, which every connection holds.
            var rest = ByteBufferAllocator().buffer(capacity: bytes.readableBytes)
            rest.writeBuffer(&bytes)
            pending = rest
        }
        return nil
    }

    /// At the end of the stream: an unfinished line as a final line (as `ByteToMessageHandler` does), if there is one.
    /// What is left of a read still being framed (the connection closed while one of its lines was acted on) came
    /// after the close, whole lines or not: it is dropped. Nothing is framed after this.
    public mutating func finish() -> InboundFrame? {
        defer {
            pending = nil
            isFraming = false
            isDone = true
        }
        guard !isDone, !isFraming, var rest = pending else { return nil }
        return decoder.last(from: &rest)
    }
}
