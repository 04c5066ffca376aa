import NIOCore

/// The text of one fan-out chat line: `<sender> <sequence> <sent µs> xxx…`, padded with `x` to the message size.
/// Receivers see it as `CHAT <name>: <text>`.
enum FanoutPayload {
    struct Message: Equatable {
        var sender: Int
        var sequence: Int
        var sentMicros: UInt64
    }

    /// The chat line (with its newline) for one message of `size` bytes of text (more if the numbers need it).
    static func line(sender: Int, sequence: Int, sentMicros: UInt64, size: Int) -> ByteBuffer {
        let head = "\(sender) \(sequence) \(sentMicros) "
        let padding = max(1, size - head.utf8.count)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.utf8.count + padding + 1)
        buffer.writeString(head)
        buffer.writeRepeatingByte(UInt8(ascii: "x"), count: padding)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }

    /// Reads the message back from a `CHAT <name>: <text>` line; nil if the line is not one of ours.
    static func parse(_ line: ByteBuffer) -> Message? {
        line.withUnsafeReadableBytes { bytes -> Message? in
            // Skip "CHAT <name>: " — a name never holds a space, so the text starts after the second space.
            var index = 0
            var spaces = 0
            while index < bytes.count, spaces < 2 {
                if bytes[index] == UInt8(ascii: " ") { spaces += 1 }
                index += 1
            }
            guard spaces == 2 else { return nil }
            var numbers: (UInt64, UInt64, UInt64) = (0, 0, 0)
            for field in 0..<3 {
                var value: UInt64 = 0
                let start = index
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    value = value &* 10 &+ UInt64(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                }
                guard index > start, index < bytes.count, bytes[index] == UInt8(ascii: " ") else { return nil }
                index += 1
                switch field {
                case 0: numbers.0 = value
                case 1: numbers.1 = value
                default: numbers.2 = value
                }
            }
            return Message(sender: Int(numbers.0), sequence: Int(numbers.1), sentMicros: numbers.2)
        }
    }
}
