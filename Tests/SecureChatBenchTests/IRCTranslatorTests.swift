import NIOCore
import Testing

@testable import SecureChatBench

/// The IRC side of `--peer irc`, without sockets: what the bench's lines become, and what ngIRCd's lines become.
struct IRCTranslatorTests {
    private func encode(_ translator: inout IRCTranslator, _ text: String) -> String {
        var out = ByteBuffer()
        translator.encode(ByteBuffer(string: text), into: &out)
        return String(buffer: out)
    }

    private func actions(_ translator: inout IRCTranslator, _ text: String) throws -> [PeerAction] {
        translator.append(ByteBuffer(string: text))
        var actions: [PeerAction] = []
        while let action = try translator.next() { actions.append(action) }
        return actions
    }

    @Test func theLoginLineRegistersAndLaterLinesGoToTheChannel() {
        var translator = IRCTranslator()
        #expect(encode(&translator, "bob\n") == "NICK bob\r\nUSER bob 0 * :bob\r\n")
        #expect(encode(&translator, "0 1 2 xx\n") == "PRIVMSG #bench :0 1 2 xx\r\n")
        #expect(encode(&translator, "a\nb\r\n") == "PRIVMSG #bench :a\r\nPRIVMSG #bench :b\r\n")
    }

    @Test func theWelcomeJoinsTheChannelAndTheNamesListEndsTheLogin() throws {
        var translator = IRCTranslator()
        _ = encode(&translator, "bob\n")
        let login = try actions(
            &translator,
            ":bench.invalid 001 bob :Welcome\r\n:bench.invalid 375 bob :- MOTD\r\n"
                + ":bob!~bob@127.0.0.1 JOIN :#bench\r\n:bench.invalid 353 bob = #bench :bob\r\n"
                + ":bench.invalid 366 bob #bench :End of NAMES list\r\n:bench.invalid 366 bob #bench :again\r\n"
        )
        #expect(
            login == [
                .reply(ByteBuffer(string: "JOIN #bench\r\n")), .none, .none, .none,
                .up(ByteBuffer(string: "WELCOME bob\n")), .none,
            ]
        )
    }

    @Test func withoutJoiningTheWelcomeEndsTheLogin() throws {
        var translator = IRCTranslator(joinsChannel: false)
        _ = encode(&translator, "bob\n")
        #expect(try actions(&translator, ":srv 001 bob :Welcome\r\n") == [.up(ByteBuffer(string: "WELCOME bob\n"))])
    }

    @Test func aChannelMessageBecomesAChatLineTheFanOutReads() throws {
        var translator = IRCTranslator()
        let line = FanoutPayload.line(sender: 1, sequence: 7, sentMicros: 99, size: 30)
        let text = String(buffer: line).dropLast()
        let got = try actions(&translator, ":alice!~alice@127.0.0.1 PRIVMSG #bench :\(text)\r\n")
        #expect(got == [.up(ByteBuffer(string: "CHAT alice: \(text)\n"))])
        guard case .up(let chat) = got.first else { return }
        var withoutNewline = chat
        withoutNewline.moveWriterIndex(to: chat.writerIndex - 1)
        #expect(FanoutPayload.parse(withoutNewline) == .init(sender: 1, sequence: 7, sentMicros: 99))
    }

    @Test func pingsAreAnsweredAndErrorsReported() throws {
        var translator = IRCTranslator()
        #expect(
            try actions(&translator, "PING :bench.invalid\r\n") == [
                .reply(ByteBuffer(string: "PONG :bench.invalid\r\n"))
            ]
        )
        #expect(
            try actions(&translator, ":srv 433 * bob :Nickname already in use\r\n")
                == [.up(ByteBuffer(string: "ERROR :srv 433 * bob :Nickname already in use\n"))]
        )
        #expect(
            try actions(&translator, "ERROR :Closing connection\r\n")
                == [.up(ByteBuffer(string: "BYE ERROR :Closing connection\n"))]
        )
    }

    @Test func aLineSplitAcrossReadsIsTranslatedOnceWhole() throws {
        var translator = IRCTranslator()
        #expect(try actions(&translator, ":a!u@h PRIVMSG #bench :he").isEmpty)
        #expect(try actions(&translator, "llo\r\n") == [.up(ByteBuffer(string: "CHAT a: hello\n"))])
    }
}
