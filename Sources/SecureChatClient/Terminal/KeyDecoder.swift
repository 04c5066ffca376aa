/// Turns the bytes a terminal sends in raw mode into ``Key`` values.
///
/// Understands UTF-8 (multi-byte characters may arrive split across reads), C0 control keys, and the CSI (`ESC [`)
/// and SS3 (`ESC O`) sequences for arrows, Home, End and Delete. An incomplete sequence at the end of a read is
/// kept until more bytes arrive; call ``flush()`` when none follow soon (a lone Escape key).
struct KeyDecoder {
    private var pending: [UInt8] = []

    /// Whether bytes of an unfinished sequence are waiting for more input.
    var hasPendingBytes: Bool { !pending.isEmpty }

    /// The keys in `bytes` (plus any unfinished sequence from earlier reads).
    mutating func decode(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        var index = 0
        while index < pending.count {
            guard let (key, length) = Self.decodeOne(pending[index...]) else {
                break  // unfinished: wait for more bytes
            }
            keys.append(key)
            index += length
        }
        pending.removeFirst(index)
        return keys
    }

    /// Gives up waiting for the rest of an unfinished sequence: a lone ESC is the Escape key, a lone
    /// `ESC [` or `ESC O` is ignored, and a truncated UTF-8 character is ignored.
    mutating func flush() -> [Key] {
        defer { pending.removeAll() }
        if pending == [0x1B] {
            return [.escape]
        }
        return pending.isEmpty ? [] : [.unknown]
    }

    /// The first key in `bytes` and how many bytes it used, or nil if `bytes` ends inside it.
    private static func decodeOne(_ bytes: ArraySlice<UInt8>) -> (Key, Int)? {
        let first = bytes[bytes.startIndex]
        switch first {
        case 0x1B:
            return decodeEscape(bytes)
        case 0x0D, 0x0A:
            return (.enter, 1)
        case 0x7F, 0x08:
            return (.backspace, 1)
        case 0x09:
            return (.tab, 1)
        case 0x01...0x1A:
            return (.control(Character(Unicode.Scalar(first + 0x60))), 1)
        case 0x00, 0x1C...0x1F:
            return (.unknown, 1)
        case 0x20...0x7E:
            return (.insert(String(Unicode.Scalar(first))), 1)
        default:
            return decodeUTF8(bytes)
        }
    }

    private static func decodeUTF8(_ bytes: ArraySlice<UInt8>) -> (Key, Int)? {
        let first = bytes[bytes.startIndex]
        let length: Int
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return (.unknown, 1)  // a continuation byte or an invalid lead byte
        }
        let available = bytes.count
        // Every byte after the lead must be a continuation byte; stop at the first one that is not.
        for offset in 1..<min(length, available) where bytes[bytes.startIndex + offset] & 0xC0 != 0x80 {
            return (.unknown, offset)
        }
        guard available >= length else {
            return nil
        }
        let encoded = bytes[bytes.startIndex..<bytes.startIndex + length]
        var decoded = String(decoding: encoded, as: UTF8.self).unicodeScalars.makeIterator()
        guard let scalar = decoded.next(), scalar != "\u{FFFD}", !isControl(scalar) else {
            return (.unknown, length)
        }
        return (.insert(String(scalar)), length)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x80...0x9F).contains(scalar.value)
    }

    private static func decodeEscape(_ bytes: ArraySlice<UInt8>) -> (Key, Int)? {
        let start = bytes.startIndex
        guard bytes.count >= 2 else {
            return nil
        }
        switch bytes[start + 1] {
        case UInt8(ascii: "["):
            return decodeCSI(bytes)
        case UInt8(ascii: "O"):
            guard bytes.count >= 3 else {
                return nil
            }
            return (ss3Key(bytes[start + 2]), 3)
        case UInt8(ascii: "b"):
            return (.wordLeft, 2)
        case UInt8(ascii: "f"):
            return (.wordRight, 2)
        case 0x1B:
            return (.escape, 1)  // ESC ESC: the first one was a lone Escape
        default:
            return (.unknown, 2)  // Alt plus a key we do not use
        }
    }

    /// `ESC [` parameters (0x30–0x3F), intermediates (0x20–0x2F), then one final byte (0x40–0x7E).
    private static func decodeCSI(_ bytes: ArraySlice<UInt8>) -> (Key, Int)? {
        let start = bytes.startIndex
        var index = start + 2
        while index < bytes.endIndex, (0x20...0x3F).contains(bytes[index]) {
            index += 1
        }
        guard index < bytes.endIndex else {
            return nil
        }
        let final = bytes[index]
        let length = index - start + 1
        guard (0x40...0x7E).contains(final) else {
            return (.unknown, length - 1)  // malformed: drop what we read, keep the odd byte
        }
        let parameters = String(decoding: bytes[(start + 2)..<index], as: UTF8.self)
        return (csiKey(final: final, parameters: parameters), length)
    }

    private static func csiKey(final: UInt8, parameters: String) -> Key {
        let fields = parameters.split(separator: ";", omittingEmptySubsequences: false)
        let modifier = fields.count > 1 ? Int(fields[1]) ?? 1 : 1
        let isControl = modifier == 5 || modifier == 3  // Ctrl, or Alt
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return isControl ? .wordRight : .right
        case UInt8(ascii: "D"): return isControl ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch fields.first.flatMap({ Int($0) }) {
            case 1, 7: return .home
            case 4, 8: return .end
            case 3: return .delete
            default: return .unknown
            }
        default:
            return .unknown
        }
    }

    private static func ss3Key(_ byte: UInt8) -> Key {
        switch byte {
        case UInt8(ascii: "A"): .up
        case UInt8(ascii: "B"): .down
        case UInt8(ascii: "C"): .right
        case UInt8(ascii: "D"): .left
        case UInt8(ascii: "H"): .home
        case UInt8(ascii: "F"): .end
        default: .unknown
        }
    }
}
