public import NIOCore

/// What the line framer hands up the pipeline.
public enum InboundFrame: Sendable, Equatable {
    /// One line, without its LF (a trailing CR is still there; `CommandParser.decodeLine` removes it).
    case line(ByteBuffer)
    /// A line longer than the limit arrived; its bytes up to the next LF are being skipped.
    case overlong
}
