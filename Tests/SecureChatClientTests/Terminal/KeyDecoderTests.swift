import Testing

@testable import SecureChatClient

@Suite struct KeyDecoderTests {
    private func decode(_ bytes: [UInt8]) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.decode(bytes)
    }

    @Test(
        arguments: [
            ([0x1B, 0x5B, 0x41], Key.up),
            ([0x1B, 0x5B, 0x42], Key.down),
            ([0x1B, 0x5B, 0x43], Key.right),
            ([0x1B, 0x5B, 0x44], Key.left),
            ([0x1B, 0x5B, 0x48], Key.home),
            ([0x1B, 0x5B, 0x46], Key.end),
            ([0x1B, 0x4F, 0x48], Key.home),
            ([0x1B, 0x4F, 0x46], Key.end),
            ([0x1B, 0x4F, 0x44], Key.left),
            ([0x1B, 0x5B, 0x31, 0x7E], Key.home),
            ([0x1B, 0x5B, 0x37, 0x7E], Key.home),
            ([0x1B, 0x5B, 0x34, 0x7E], Key.end),
            ([0x1B, 0x5B, 0x38, 0x7E], Key.end),
            ([0x1B, 0x5B, 0x33, 0x7E], Key.delete),
            ([0x1B, 0x5B, 0x31, 0x3B, 0x35, 0x44], Key.wordLeft),
            ([0x1B, 0x5B, 0x31, 0x3B, 0x35, 0x43], Key.wordRight),
            ([0x1B, 0x62], Key.wordLeft),
            ([0x1B, 0x66], Key.wordRight),
            ([0x1B, 0x5B, 0x32, 0x7E], Key.unknown),
            ([0x0D], Key.enter),
            ([0x0A], Key.enter),
            ([0x7F], Key.backspace),
            ([0x08], Key.backspace),
            ([0x09], Key.tab),
            ([0x01], Key.control("a")),
            ([0x05], Key.control("e")),
            ([0x15], Key.control("u")),
            ([0x17], Key.control("w")),
            ([0x04], Key.control("d")),
            ([0x03], Key.control("c")),
        ] as [([UInt8], Key)]
    )
    func decodesOneKey(bytes: [UInt8], key: Key) {
        #expect(decode(bytes) == [key])
    }

    @Test func decodesPrintableASCIIAndUTF8() {
        #expect(decode(Array("hé".utf8)) == [.insert("h"), .insert("é")])
        #expect(decode(Array("日本".utf8)) == [.insert("日"), .insert("本")])
        #expect(decode(Array("😀".utf8)) == [.insert("😀")])
    }

    @Test func keepsASplitUTF8CharacterUntilTheRestArrives() {
        var decoder = KeyDecoder()
        let bytes = Array("😀".utf8)
        #expect(decoder.decode(bytes[0..<2]) == [])
        #expect(decoder.hasPendingBytes)
        #expect(decoder.decode(bytes[2...]) == [.insert("😀")])
        #expect(!decoder.hasPendingBytes)
    }

    @Test func keepsASplitEscapeSequenceUntilTheRestArrives() {
        var decoder = KeyDecoder()
        #expect(decoder.decode([0x1B]) == [])
        #expect(decoder.decode([0x5B]) == [])
        #expect(decoder.decode([0x43, 0x61]) == [.right, .insert("a")])
    }

    @Test func aLoneEscapeIsReportedOnFlush() {
        var decoder = KeyDecoder()
        #expect(decoder.decode([0x1B]) == [])
        #expect(decoder.flush() == [.escape])
        #expect(!decoder.hasPendingBytes)
    }

    @Test func invalidUTF8IsIgnoredWithoutSwallowingWhatFollows() {
        #expect(decode([0xFF, 0x61]) == [.unknown, .insert("a")])
        #expect(decode([0xC3, 0x61]) == [.unknown, .insert("a")])
        #expect(decode([0x80]) == [.unknown])
    }

    @Test func decodesSeveralKeysInOneRead() {
        #expect(decode([0x61, 0x1B, 0x5B, 0x44, 0x62, 0x0D]) == [.insert("a"), .left, .insert("b"), .enter])
    }

    @Test func c1ControlsAreNotInserted() {
        #expect(decode([0xC2, 0x9B]) == [.unknown])
    }
}
