import Foundation

/// What the server checks of a sealed message, which it cannot read: base64 (RFC 4648, padded, no line breaks) of
/// one DER-encoded ASN.1 SEQUENCE (a CMS `ContentInfo`) whose length field covers exactly the bytes sent. So a
/// truncated copy or text typed by mistake is refused at once, and what is stored and relayed is never anything but
/// base64, which no terminal interprets.
public enum SealedMessageForm {
    /// Why `sealed` is not of that form, or nil when it is.
    public static func problem(with sealed: String) -> String? {
        let bytes = sealed.utf8
        guard !bytes.isEmpty else { return "the sealed message is missing" }
        guard bytes.count % 4 == 0, bytes.allSatisfy(isBase64Byte),
            !bytes.dropLast(2).contains(UInt8(ascii: "=")),
            let der = Data(base64Encoded: sealed)
        else { return "the sealed message is not base64" }
        guard let length = derSequenceLength(der), length == der.count else {
            return "the sealed message is not one DER-encoded CMS structure"
        }
        return nil
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    /// The total length (header included) a DER SEQUENCE at the start of `der` declares, or nil when `der` does not
    /// start with one in definite-length form.
    private static func derSequenceLength(_ der: Data) -> Int? {
        let bytes = [UInt8](der.prefix(6))
        guard bytes.count >= 2, bytes[0] == 0x30 else { return nil }
        if bytes[1] < 0x80 { return 2 + Int(bytes[1]) }
        let count = Int(bytes[1] & 0x7F)
        guard (1...4).contains(count), bytes.count >= 2 + count else { return nil }
        let length = bytes[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
        return 2 + count + length
    }
}
