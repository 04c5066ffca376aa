public import NIOCore

/// Splits a channel's plaintext into ``InboundFrame``s (with a ``LineFramer``): the line framing of a connection, as a
/// handler of its own between the TLS handler and whatever acts on lines.
///
/// Every frame of a read is passed on before the read's `channelReadComplete`, so the next handler can hold back
/// acting on a read's lines until all of them have arrived (a pipelined batch is carried out together). A final line
/// without a newline is passed on before `channelInactive`. A peer that keeps sending without a newline makes the
/// framer give up: ``LineFrameDecoder/TooMuchOverlongData`` goes up the pipeline as an error, and nothing more is
/// framed.
///
/// Not a `ByteToMessageHandler`, which keeps a buffer for the whole life of the connection: between whole lines this
/// handler holds no bytes at all, so an idle connection costs only the handler itself.
public final class LineFramingHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// Plaintext from the TLS handler (or the socket).
    public typealias InboundIn = ByteBuffer
    /// One line, or notice of an over-long one.
    public typealias InboundOut = InboundFrame

    private var framer: LineFramer

    /// A handler for lines of at most `maximumLineLength` bytes (see ``LineFrameDecoder``).
    public init(maximumLineLength: Int, maximumSkippedBytes: Int = 64 * 1024) {
        self.framer = LineFramer(maximumLineLength: maximumLineLength, maximumSkippedBytes: maximumSkippedBytes)
    }

    /// Passes on every whole line of the read, one at a time: acting on a line may close the channel there and then
    /// (a write that fails), and the lines after that close are dropped (``channelInactive(context:)`` finishes the
    /// framer).
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        framer.append(unwrapInboundIn(data))
        do {
            while let frame = try framer.next() {
                context.fireChannelRead(wrapInboundOut(frame))
            }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    /// An unfinished line counts as the last line, as with `ByteToMessageHandler`.
    public func channelInactive(context: ChannelHandlerContext) {
        if let frame = framer.finish() {
            context.fireChannelRead(wrapInboundOut(frame))
        }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension LineFramingHandler: Sendable {}
