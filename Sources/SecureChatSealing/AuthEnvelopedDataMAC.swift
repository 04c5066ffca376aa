/// Finds the `mac` (the GCM tag) of a DER `ContentInfo` holding an AuthEnvelopedData (RFC 5083):
///
///     ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT AuthEnvelopedData }
///     AuthEnvelopedData ::= SEQUENCE { version INTEGER, originatorInfo [0] OPTIONAL, recipientInfos SET,
///         authEncryptedContentInfo SEQUENCE, authAttrs [1] OPTIONAL, mac OCTET STRING, unauthAttrs [2] OPTIONAL }
///
/// OpenSSL's CMS API does not say how long the tag it checked was.
enum AuthEnvelopedDataMAC {
    /// The length of the `mac`, or nil when `der` is not of that form.
    static func length(in der: [UInt8]) -> Int? {
        guard let contentInfo = element(in: der[...]), contentInfo.tag == 0x30,
            let contentType = element(in: contentInfo.contents), contentType.tag == 0x06,
            let wrapper = element(in: contentInfo.contents[contentType.end...]), wrapper.tag == 0xA0,
            let authEnveloped = element(in: wrapper.contents), authEnveloped.tag == 0x30
        else { return nil }
        var rest = authEnveloped.contents
        while let field = element(in: rest) {
            if field.tag == 0x04 { return field.contents.count }
            rest = rest[field.end...]
        }
        return nil
    }

    private struct Element {
        let tag: UInt8
        let contents: ArraySlice<UInt8>
        /// The index after the element.
        let end: Int
    }

    /// The DER element at the start of `bytes` (definite lengths of up to four bytes).
    private static func element(in bytes: ArraySlice<UInt8>) -> Element? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        let tag = bytes[index]
        index += 1
        guard index < bytes.endIndex else { return nil }
        var length = Int(bytes[index])
        index += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), bytes.endIndex - index >= count else { return nil }
            length = bytes[index..<(index + count)].reduce(0) { $0 << 8 | Int($1) }
            index += count
        }
        guard bytes.endIndex - index >= length else { return nil }
        return Element(tag: tag, contents: bytes[index..<(index + length)], end: index + length)
    }
}
