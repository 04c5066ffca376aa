public import NIOCore

/// Splits a byte stream into LF-terminated lines of at most `maximumLineLength` bytes.
///
/// A longer line is reported once as `.overlong` and skipped up to its next LF, so one bad line costs the peer an
/// error and nothing else. Skipping is bounded too: a peer that sends more than `maximumSkippedBytes` without a
/// newline is dropped with `LineFrameDecoder.TooMuchOverlongData`. Memory held per connection never exceeds the
/// line limit plus one read.
public struct LineFrameDecoder: ByteToMessageDecoder {
    /// The error thrown when a peer keeps sending data without a newline.
    public struct TooMuchOverlongData: Error, CustomStringConvertible {
        /// How many bytes were skipped before giving up.
        public let skippedBytes: Int
        /// A one-line explanation for logs.
        public var description: String { "peer sent \(skippedBytes) bytes without a newline" }
    }

    /// The frames this decoder produces.
    public typealias InboundOut = InboundFrame

    /// The longest line accepted, not counting the LF (a CR before it counts).
    public let maximumLineLength: Int
    /// How many bytes of an over-long line may be skipped before the connection is dropped.
    public let maximumSkippedBytes: Int

    private var skipping = false
    private var skipped = 0
    private var scanned = 0

    /// A decoder for lines of at most `maximumLineLength` bytes.
    public init(maximumLineLength: Int = 4096, maximumSkippedBytes: Int = 64 * 1024) {
        precondition(maximumLineLength > 0)
        self.maximumLineLength = maximumLineLength
        self.maximumSkippedBytes = max(maximumSkippedBytes, maximumLineLength)
    }

    /// Produces as many frames as `buffer` holds.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Delivers what is left when the peer closes: a final line without a newline counts as a line.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while let frame = try next(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
        if let frame = last(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
        return .needMoreData
    }

    /// The next frame in `buffer`, consuming its bytes, or nil when `buffer` holds no complete one (keep the rest and
    /// call again with more bytes appended). For callers that frame without a `ByteToMessageHandler`.
    ///
    /// - Throws: ``TooMuchOverlongData`` once an over-long line has gone on for more than `maximumSkippedBytes`.
    public mutating func next(from buffer: inout ByteBuffer) throws -> InboundFrame? {
        while skipping {
            guard try skip(&buffer) else { return nil }
        }
        let view = buffer.readableBytesView
        let searchStart = view.startIndex + scanned
        if let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - view.startIndex
            scanned = 0
            // `length` bytes of line plus the LF; a CR before the LF counts toward the limit only if the rest fits.
            let lineLength = length > 0 && view[newline - 1] == UInt8(ascii: "\r") ? length - 1 : length
            guard lineLength <= maximumLineLength else {
                buffer.moveReaderIndex(forwardBy: length + 1)
                return .overlong
            }
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            return .line(line)
        }
        // No newline yet: allow one CR past the limit, in case the LF follows in the next read.
        if view.count > maximumLineLength + 1 {
            scanned = 0
            skipping = true
            skipped = 0
            return .overlong
        }
        scanned = view.count
        return nil
    }

    /// At the end of the stream: what is left of `buffer` as a final line (unless an over-long line was being
    /// skipped). Empties `buffer`.
    public mutating func last(from buffer: inout ByteBuffer) -> InboundFrame? {
        defer { buffer.clear() }
        guard !skipping, buffer.readableBytes > 0, let line = buffer.readSlice(length: buffer.readableBytes) else {
            return nil
        }
        return .line(line)
    }

    /// Skips to the end of an over-long line; true once its newline was found.
    private mutating func skip(_ buffer: inout ByteBuffer) throws -> Bool {
        let view = buffer.readableBytesView
        if let newline = view.firstIndex(of: UInt8(ascii: "\n")) {
            buffer.moveReaderIndex(to: newline + 1)
            skipping = false
            skipped = 0
            return true
        }
        skipped += view.count
        buffer.moveReaderIndex(forwardBy: view.count)
        if skipped > maximumSkippedBytes {
            throw TooMuchOverlongData(skippedBytes: skipped)
        }
        return false
    }
}
