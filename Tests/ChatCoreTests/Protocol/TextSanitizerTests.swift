import ChatCore
import Testing

@Suite struct TextSanitizerTests {
    static let cases: [(String, String)] = [
        ("\u{1B}[31mred\u{1B}[0m", "␛[31mred␛[0m"),
        ("\u{1B}]0;pwned\u{07}", "␛]0;pwned␇"),
        ("\u{1B}]8;;http://evil\u{1B}\\link\u{1B}]8;;\u{1B}\\", "␛]8;;http://evil␛\\link␛]8;;␛\\"),
        ("ding\u{07}", "ding␇"),
        ("nul\u{0}byte", "nul␀byte"),
        ("line\nbreak", "line␊break"),
        ("carriage\rreturn", "carriage␍return"),
        ("crlf\r\nend", "crlf␍␊end"),
        ("tab\there", "tab here"),
        ("\u{1F}", "␟"),
        ("del\u{7F}", "del␡"),
        ("\u{9B}31m", "\u{FFFD}31m"),
        ("\u{80}\u{9F}", "\u{FFFD}\u{FFFD}"),
        ("\u{85}next line", "\u{FFFD}next line"),
        ("abc\u{202E}fdp.exe", "abc\u{FFFD}fdp.exe"),
        ("\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}", String(repeating: "\u{FFFD}", count: 5)),
        ("\u{2066}\u{2067}\u{2068}\u{2069}", String(repeating: "\u{FFFD}", count: 4)),
        ("e\u{301}\u{1B}", "e\u{301}␛"),
        ("\u{1B}\u{301}", "␛\u{301}"),
        ("\u{200F}\u{200E}\u{2028}", String(repeating: "\u{FFFD}", count: 3)),
        ("pass\u{200B}word", "pass\u{FFFD}word"),
        ("\u{200B}\u{200C}\u{200D}\u{200E}\u{200F}", String(repeating: "\u{FFFD}", count: 5)),
        ("line\u{2028}fake\u{2029}lines", "line\u{FFFD}fake\u{FFFD}lines"),
        ("\u{061C}\u{180E}\u{FEFF}", String(repeating: "\u{FFFD}", count: 3)),
        ("\u{2060}\u{2061}\u{2062}\u{2063}\u{2064}", String(repeating: "\u{FFFD}", count: 5)),
        ("\u{206A}\u{206F}\u{FFF9}\u{FFFB}", String(repeating: "\u{FFFD}", count: 4)),
        ("a\u{200D}b", "a\u{FFFD}b"),
        ("1\u{200D}2", "1\u{FFFD}2"),
        ("\u{200D}👋", "\u{FFFD}👋"),
        ("👋\u{200D}", "👋\u{FFFD}"),
        ("👋\u{200D}\u{200D}👋", "👋\u{FFFD}\u{FFFD}👋"),
        ("👨\u{200D}👩\u{200D}\u{1B}", "👨\u{200D}👩\u{FFFD}␛"),
        ("\u{A0}\u{A1}", "\u{A0}\u{A1}"),
        ("soft\u{AD}hy\u{34F}phen", "soft\u{FFFD}hy\u{FFFD}phen"),
        ("\u{115F}\u{1160}\u{3164}\u{FFA0}", String(repeating: "\u{FFFD}", count: 4)),
        ("\u{17B4}\u{17B5}\u{180B}\u{180F}\u{1D173}\u{1D17A}", String(repeating: "\u{FFFD}", count: 6)),
        // Hidden text in tag characters outside a flag.
        ("hi\u{E0069}\u{E0067}\u{E006E}", "hi" + String(repeating: "\u{FFFD}", count: 3)),
        ("\u{E0001}\u{E0065}\u{E006E}", String(repeating: "\u{FFFD}", count: 3)),
        ("🏴\u{E0067}\u{E007F}\u{E0069}", String(repeating: "\u{FFFD}", count: 3).prefixedWithFlag),
        // After a flag, only a subdivision's code (2–6 tag letters or digits, then the cancel tag) stays.
        ("🏴\u{E0020}\u{E0049}\u{E0067}\u{E007F}", String(repeating: "\u{FFFD}", count: 4).prefixedWithFlag),
        ("🏴\u{E0067}\u{E0062}x", String(repeating: "\u{FFFD}", count: 2).prefixedWithFlag + "x"),
        (
            "🏴" + String(repeating: "\u{E0061}", count: 40) + "\u{E007F}",
            String(repeating: "\u{FFFD}", count: 41).prefixedWithFlag
        ),
    ]

    @Test(arguments: cases)
    func neutralises(input: String, expected: String) {
        #expect(TextSanitizer.sanitize(input) == expected)
    }

    static let unchanged = [
        "",
        "plain ascii text ~!@#$%^&*()",
        "héllo wörld",
        "你好，世界",
        "こんにちは",
        "👋🏽 👨‍👩‍👧 🇩🇪",
        "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
        "🏳\u{FE0F}\u{200D}🌈 👩🏽\u{200D}💻",
        "مرحبا",
        "e\u{301}",
        "␛[31m already pictures",
        "\u{FFFD}",
    ]

    @Test(arguments: unchanged)
    func leavesOrdinaryTextAlone(text: String) {
        #expect(TextSanitizer.sanitize(text) == text)
    }

    @Test func fastPathReturnsTheSameStorage() {
        let text = String(repeating: "no controls here, 你好 ", count: 100)
        let result = TextSanitizer.sanitize(text)
        let same = text.utf8.withContiguousStorageIfAvailable { original in
            result.utf8.withContiguousStorageIfAvailable { $0.baseAddress == original.baseAddress }
        }
        #expect(same == true)
    }

    @Test func noScalarBelowSpaceSurvives() {
        let everything = String(String.UnicodeScalarView((0...0x30F).compactMap(Unicode.Scalar.init)))
        let result = TextSanitizer.sanitize(everything)
        #expect(result.unicodeScalars.count == everything.unicodeScalars.count)
        #expect(!result.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    @Test(arguments: 0...0x1F)
    func everyC0ControlBecomesItsPicture(value: Int) {
        let scalar = Unicode.Scalar(UInt32(value))!
        let expected = value == 0x09 ? " " : String(Unicode.Scalar(0x2400 + UInt32(value))!)
        #expect(TextSanitizer.sanitize(String(scalar)) == expected)
    }
}

extension String {
    /// A black flag in front of `self`.
    fileprivate var prefixedWithFlag: String { "🏴" + self }
}
