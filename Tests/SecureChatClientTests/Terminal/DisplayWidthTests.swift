import Testing

@testable import SecureChatClient

@Suite struct DisplayWidthTests {
    @Test(
        arguments: [
            ("a", 1),
            ("é", 1),
            ("e\u{0301}", 1),  // e + combining acute: one grapheme, one column
            ("日", 2),
            ("한", 2),
            ("Ａ", 2),  // fullwidth A
            ("😀", 2),
            ("👍🏽", 2),  // emoji with skin-tone modifier
            ("👩‍💻", 2),  // ZWJ sequence
            ("❤️", 2),  // text symbol with emoji presentation selector
            ("\u{200B}", 0),  // zero-width space
            ("\u{0301}", 0),  // a lone combining mark
        ] as [(String, Int)]
    )
    func widthOfOneCharacter(text: String, width: Int) {
        #expect(DisplayWidth.of(text) == width)
    }

    @Test func widthOfMixedText() {
        #expect(DisplayWidth.of("hi 日本 😀!") == 2 + 1 + 4 + 1 + 2 + 1)
        #expect(DisplayWidth.of("") == 0)
    }
}
