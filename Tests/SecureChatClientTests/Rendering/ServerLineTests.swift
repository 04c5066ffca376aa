import Testing

@testable import SecureChatClient

@Suite struct ServerLineTests {
    @Test func splitsKindAndText() {
        let line = ServerLine(parsing: "CHAT alice: hi there")
        #expect(line.kind == .chat)
        #expect(line.text == "alice: hi there")
        #expect(line.firstWord == "alice:")
    }

    @Test func dropsATrailingCarriageReturn() {
        #expect(ServerLine(parsing: "OK pong\r") == ServerLine(.ok, "pong"))
    }

    @Test func aLineWithoutTextAndAnUnknownKind() {
        let bare = ServerLine(parsing: "BYE")
        #expect(bare.kind == .bye)
        #expect(bare.text == "")
        let odd = ServerLine(parsing: "WHAT is this")
        #expect(odd.kind == .unknown)
        #expect(odd.word == "WHAT")
        #expect(ServerLine(parsing: "").kind == .unknown)
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        let line = ServerLine(bytes: Array("CHAT a: ".utf8) + [0xFF])
        #expect(line.text == "a: \u{FFFD}")
    }

    @Test func wordsOfTheText() {
        let line = ServerLine(parsing: "ERROR unknown-user there is no user called nobody")
        #expect(line.firstWord == "unknown-user")
        #expect(line.textAfterFirstWord == "there is no user called nobody")
    }
}
