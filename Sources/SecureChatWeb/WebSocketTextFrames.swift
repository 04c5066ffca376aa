public import NIOCore

/// The text frames a server sends for lines, as bytes: what ``WebSocketLineBridge`` and NIO's frame encoder make of a
/// buffer of lines, made once for every recipient of a room's line on an event loop (a server's frames are not masked, so they are
/// the same bytes for each). Pure.
public enum WebSocketTextFrames {
    /// One final, unmasked text frame per line of `lines` (each line without its newline; a last line without one is
    /// a line too), its length in 7, 16 or 64 bits as RFC 6455 5.2 asks for the shortest.
    public static func frames(of lines: ByteBuffer) -> ByteBuffer {
        var remaining = lines
        var frames = ByteBuffer()
        // A line's header takes the place of its newline and one more byte (up to 125 bytes) or three: room for a few.
        frames.reserveCapacity(lines.readableBytes + 16)
        while remaining.readableBytes > 0 {
            let end = remaining.readableBytesView.firstIndex(of: UInt8(ascii: "\n"))
            let length = end.map { $0 - remaining.readerIndex } ?? remaining.readableBytes
            var line = remaining.readSlice(length: length)!
            if end != nil { remaining.moveReaderIndex(forwardBy: 1) }
            writeHeader(length: line.readableBytes, into: &frames)
            frames.writeBuffer(&line)
        }
        return frames
    }

    private static func writeHeader(length: Int, into frames: inout ByteBuffer) {
        // FIN and the text opcode.
        frames.writeInteger(UInt8(0x81))
        switch length {
        case ..<126:
            frames.writeInteger(UInt8(length))
        case ..<65536:
            frames.writeInteger(UInt8(126))
            frames.writeInteger(UInt16(length))
        default:
            frames.writeInteger(UInt8(127))
            frames.writeInteger(UInt64(length))
        }
    }
}
