import ChatCore
import Testing

@Suite struct CommandParserTests {
    static let commands: [(String, ClientCommand)] = [
        ("whoelse", .whoelse),
        ("WHOELSE", .whoelse),
        ("WhoElse", .whoelse),
        ("/whoelse", .whoelse),
        ("/WhoElse", .whoelse),
        ("  whoelse  ", .whoelse),
        ("\twhoelse\t", .whoelse),
        ("whoelse\r", .whoelse),
        ("wholast 10", .wholast(minutes: 10)),
        ("wholast 1", .wholast(minutes: 1)),
        ("wholast 525600", .wholast(minutes: 525_600)),
        ("wholast 007", .wholast(minutes: 7)),
        ("/WHOLAST   30\r", .wholast(minutes: 30)),
        ("send bob hi", .send(to: Username.fixture("bob"), text: "hi")),
        ("send Bob hello   there  ", .send(to: Username.fixture("bob"), text: "hello   there  ")),
        ("SEND bob    spaced", .send(to: Username.fixture("bob"), text: "spaced")),
        ("send bob héllo wörld 你好 👋🏽", .send(to: Username.fixture("bob"), text: "héllo wörld 你好 👋🏽")),
        ("send bob whoelse", .send(to: Username.fixture("bob"), text: "whoelse")),
        ("send bob \u{1B}[31mred\r", .send(to: Username.fixture("bob"), text: "\u{1B}[31mred")),
        ("send a.b-c_d 1", .send(to: Username.fixture("a.b-c_d"), text: "1")),
        ("broadcast message hello all", .broadcastAll(text: "hello all")),
        ("/broadcast MESSAGE  hi  there", .broadcastAll(text: "hi  there")),
        ("broadcast message message", .broadcastAll(text: "message")),
        ("broadcast user bob message hi", .broadcastUsers([Username.fixture("bob")], text: "hi")),
        (
            "broadcast user bob carol message hi there",
            .broadcastUsers([Username.fixture("bob"), Username.fixture("carol")], text: "hi there")
        ),
        (
            "broadcast user bob Carol BOB carol message x",
            .broadcastUsers([Username.fixture("bob"), Username.fixture("carol")], text: "x")
        ),
        ("broadcast USER bob Message hi", .broadcastUsers([Username.fixture("bob")], text: "hi")),
        ("broadcast user bob message message two", .broadcastUsers([Username.fixture("bob")], text: "message two")),
        ("inbox", .inbox),
        ("/INBOX", .inbox),
        ("read", .read(upTo: nil)),
        ("/READ", .read(upTo: nil)),
        ("read 1", .read(upTo: MessageID(rawValue: 1))),
        ("read 0042", .read(upTo: MessageID(rawValue: 42))),
        ("read 999999999999999999", .read(upTo: MessageID(rawValue: 999_999_999_999_999_999))),
        ("history", .history(limit: 20)),
        ("history 1", .history(limit: 1)),
        ("history 500", .history(limit: 500)),
        ("block bob", .block(Username.fixture("bob"))),
        ("block BoB", .block(Username.fixture("bob"))),
        ("unblock bob", .unblock(Username.fixture("bob"))),
        ("blocked", .blocked),
        ("register s3cret-pw", .register(password: "s3cret-pw")),
        ("register 12345678", .register(password: "12345678")),
        ("register pässwörd", .register(password: "pässwörd")),
        ("help", .help(topic: nil)),
        ("help send", .help(topic: .send)),
        ("help /WHOLAST", .help(topic: .wholast)),
        ("help help", .help(topic: .help)),
        ("ping", .ping),
        ("pong", .pong),
        ("PONG\r", .pong),
        ("seal bob MAA=", .seal(to: Username.fixture("bob"), sealed: "MAA=")),
        ("/SEAL Bob MAMCAQc=", .seal(to: Username.fixture("bob"), sealed: "MAMCAQc=")),
        ("cert bob", .certificate(of: Username.fixture("bob"))),
        ("tata", .tata),
        ("/tata", .tata),
        ("Tata", .tata),
    ]

    @Test(arguments: commands)
    func parsesCommand(line: String, expected: ClientCommand) {
        #expect(CommandParser.parse(line) == .command(expected))
    }

    static let broadcastForm = "broadcast message <text> | broadcast user <u1> [<u2> …] message <text>"

    static let usageErrors: [(String, String)] = [
        ("whoelse now", "whoelse"),
        ("wholast", "wholast <minutes>"),
        ("wholast 1 2", "wholast <minutes>"),
        ("wholast 0", "wholast <minutes> (<minutes> is a whole number from 1 to 525600)"),
        ("wholast 525601", "wholast <minutes> (<minutes> is a whole number from 1 to 525600)"),
        ("wholast -5", "wholast <minutes> (<minutes> is a whole number from 1 to 525600)"),
        ("wholast +5", "wholast <minutes> (<minutes> is a whole number from 1 to 525600)"),
        ("wholast ten", "wholast <minutes> (<minutes> is a whole number from 1 to 525600)"),
        ("wholast 99999999999999999999", "wholast <minutes> (<minutes> is a whole number from 1 to 525600)"),
        ("wholast ٣", "wholast <minutes> (<minutes> is a whole number from 1 to 525600)"),
        ("send", "send <user> <message>"),
        ("send bob", "send <user> <message>"),
        ("send bob   ", "send <user> <message>"),
        ("broadcast", broadcastForm),
        ("broadcast message", broadcastForm),
        ("broadcast message   ", broadcastForm),
        ("broadcast hello all", broadcastForm),
        ("broadcast user bob", "\(broadcastForm) ('message <text>' is missing)"),
        ("broadcast user bob hi", "\(broadcastForm) ('message <text>' is missing)"),
        ("broadcast user bob carol", "\(broadcastForm) ('message <text>' is missing)"),
        ("broadcast user bob message", "\(broadcastForm) (the message is empty)"),
        ("broadcast user bob message   ", "\(broadcastForm) (the message is empty)"),
        ("broadcast user message hi", "\(broadcastForm) (no user is named)"),
        ("broadcast user MESSAGE bob message hi", "\(broadcastForm) (no user is named)"),
        ("inbox all", "inbox"),
        ("read 0", "read [<id>] (<id> is the number of a message 'inbox' showed)"),
        ("read x", "read [<id>] (<id> is the number of a message 'inbox' showed)"),
        ("read -3", "read [<id>] (<id> is the number of a message 'inbox' showed)"),
        ("read 9999999999999999999", "read [<id>] (<id> is the number of a message 'inbox' showed)"),
        ("read 1 2", "read [<id>]"),
        ("say", "say <text>"),
        ("/say", "say <text>"),
        ("say   \t ", "say <text>"),
        ("history 0", "history [N] (N is a whole number from 1 to 500)"),
        ("history 501", "history [N] (N is a whole number from 1 to 500)"),
        ("history lots", "history [N] (N is a whole number from 1 to 500)"),
        ("history 5 6", "history [N]"),
        ("block", "block <user>"),
        ("block bob carol", "block <user>"),
        ("unblock", "unblock <user>"),
        ("unblock bob carol", "unblock <user>"),
        ("blocked bob", "blocked"),
        ("register", "register <password>"),
        ("register my long password", "register <password>"),
        ("help send me", "help [<command>]"),
        ("help dance", "help [<command>] (dance is not a command)"),
        ("ping 1", "ping"),
        ("pong x", "pong"),
        ("seal bob", "seal <user> <sealed message>"),
        ("seal bob MAA= MAA=", "seal <user> <sealed message>"),
        ("seal bob hello", "seal <user> <sealed message> (the sealed message is not base64)"),
        ("seal bob MAA", "seal <user> <sealed message> (the sealed message is not base64)"),
        ("seal bob M=AA", "seal <user> <sealed message> (the sealed message is not base64)"),
        ("seal bob aGk=", "seal <user> <sealed message> (the sealed message is not one DER-encoded CMS structure)"),
        ("seal bob MAMCAQ==", "seal <user> <sealed message> (the sealed message is not one DER-encoded CMS structure)"),
        ("seal bob MAMCAQcA", "seal <user> <sealed message> (the sealed message is not one DER-encoded CMS structure)"),
        ("cert", "cert <user>"),
        ("cert bob carol", "cert <user>"),
        ("tata now", "tata"),
        ("/tata bye", "tata"),
    ]

    @Test(arguments: usageErrors)
    func refusesWithUsage(line: String, message: String) {
        #expect(CommandParser.parse(line) == .invalid(ProtocolError(code: .usage, message: message)))
    }

    @Test func usageErrorShowsTheFormOnTheWire() {
        guard case .invalid(let error) = CommandParser.parse("wholast") else {
            Issue.record("expected a usage error")
            return
        }
        #expect(ReplyFormatter.line(for: .error(error)) == "ERROR usage wholast <minutes>")
    }

    @Test func broadcastToMoreThanFiftyUsersIsRefused() {
        let fifty = (1...50).map { "u\($0)" }.joined(separator: " ")
        let fiftyOne = fifty + " u51"
        #expect(
            CommandParser.parse("broadcast user \(fifty) message hi")
                == .command(.broadcastUsers((1...50).map { Username.fixture("u\($0)") }, text: "hi"))
        )
        #expect(
            CommandParser.parse("broadcast user \(fiftyOne) message hi")
                == .invalid(.usage(CommandTable.entry(for: .broadcast).usage, detail: "at most 50 users"))
        )
        #expect(
            CommandParser.parse("broadcast user \(fifty) U1 u2 message hi")
                == .command(.broadcastUsers((1...50).map { Username.fixture("u\($0)") }, text: "hi"))
        )
    }

    static let otherErrors: [(String, ProtocolError)] = [
        ("send b@d hi", .nameInvalid("b@d")),
        ("send ålice hi", .nameInvalid("ålice")),
        ("send \(String(repeating: "x", count: 33)) hi", .nameInvalid(String(repeating: "x", count: 33))),
        ("send server hi", .unknownUser("server")),
        ("send room private to user room", .unknownUser("room")),
        ("send Help hi", .unknownUser("Help")),
        ("send say hi", .unknownUser("say")),
        ("block READ", .unknownUser("READ")),
        ("block who?", .nameInvalid("who?")),
        ("unblock tata", .unknownUser("tata")),
        ("broadcast user bob b@d message hi", .nameInvalid("b@d")),
        ("broadcast user server message hi", .unknownUser("server")),
        ("register short", .weakPassword),
        ("register 1234567", .weakPassword),
        ("/dance", .unknownCommand("/dance")),
        ("/dance with me", .unknownCommand("/dance")),
        ("/", .unknownCommand("/")),
        ("/ hello", .unknownCommand("/")),
        ("//whoelse", .unknownCommand("//whoelse")),
        ("/whoelse2", .unknownCommand("/whoelse2")),
        ("/bloc\u{212A}", .unknownCommand("/bloc\u{212A}")),
    ]

    @Test(arguments: otherErrors)
    func refusesWithError(line: String, error: ProtocolError) {
        #expect(CommandParser.parse(line) == .invalid(error))
    }

    @Test func unknownCommandTextMatchesTheProtocolExample() {
        #expect(
            CommandParser.parse("/dance").wireLine
                == "ERROR unknown-command /dance is not a command; type 'help' for the list"
        )
    }

    /// `say` makes any line chat, even one that starts with a command word.
    static let sayLines: [(String, String)] = [
        ("say help me please", "help me please"),
        ("SAY send me the file", "send me the file"),
        ("/say history is boring", "history is boring"),
        ("say   block party  tonight \r", "block party  tonight "),
        ("say tata", "tata"),
        ("say say", "say"),
        ("say /dance", "/dance"),
    ]

    @Test(arguments: sayLines)
    func sayIsChatWhateverItStartsWith(line: String, text: String) {
        #expect(CommandParser.parse(line) == .chat(text))
    }

    static let chatLines: [(String, String)] = [
        ("hello everyone", "hello everyone"),
        ("hello everyone\r", "hello everyone"),
        ("  indented  ", "  indented  "),
        ("whoelse? nobody", "whoelse? nobody"),
        ("whoelsewhere", "whoelsewhere"),
        ("tatami", "tatami"),
        ("a/whoelse", "a/whoelse"),
        ("你好，世界", "你好，世界"),
        ("👋🏽 hi", "👋🏽 hi"),
        ("e\u{301}", "e\u{301}"),
        ("\u{1B}[2J wipe", "\u{1B}[2J wipe"),
        ("line\rinside", "line\rinside"),
        ("two CRs\r\r", "two CRs\r"),
        ("bloc\u{212A} bob", "bloc\u{212A} bob"),
    ]

    @Test(arguments: chatLines)
    func passesChatThroughUnchanged(line: String, text: String) {
        #expect(CommandParser.parse(line) == .chat(text))
    }

    @Test(arguments: ["", " ", "   ", "\t", " \t ", "\r", "  \r", "\u{3000}", "\u{A0}"])
    func whitespaceIsEmpty(line: String) {
        #expect(CommandParser.parse(line) == .empty)
    }

    @Test func commandDescriptionsHidePasswordsAndText() {
        #expect(ClientCommand.register(password: "hunter22!").description == "register <password>")
        #expect(
            ClientCommand.send(to: Username.fixture("Bob"), text: "secret").description == "send Bob <6 characters>"
        )
        #expect(
            ClientCommand.broadcastUsers([Username.fixture("a"), Username.fixture("b")], text: "x").description
                == "broadcast user a b message <1 character>"
        )
        #expect(ClientCommand.help(topic: .send).description == "help send")
        #expect(ClientCommand.wholast(minutes: 5).description == "wholast 5")
        #expect(ClientCommand.read(upTo: MessageID(rawValue: 9)).description == "read 9")
        #expect(ClientCommand.read(upTo: nil).description == "read")
    }

    @Test(arguments: CommandVerb.allCases)
    func everyVerbParsesFromItsOwnWord(verb: CommandVerb) {
        switch CommandParser.parse(verb.rawValue) {
        case .command(let command):
            #expect(command.verb == verb)
        case .invalid(let error):
            #expect(error.code == .usage || error.code == .weakPassword)
        case .chat, .empty:
            Issue.record("\(verb) was not recognised as a command")
        }
    }
}

@Suite struct DecodeLineTests {
    static let good: [([UInt8], String)] = [
        ([], ""),
        (Array("hello".utf8), "hello"),
        (Array("hello\r".utf8), "hello"),
        (Array("hello\r\r".utf8), "hello\r"),
        ([0x0D], ""),
        (Array("a\rb".utf8), "a\rb"),
        (Array("héllo 你好 👋".utf8), "héllo 你好 👋"),
        ([0x00, 0x1B], "\u{0}\u{1B}"),
        ([0xEF, 0xBB, 0xBF, 0x41], "\u{FEFF}A"),
    ]

    @Test(arguments: good)
    func decodes(bytes: [UInt8], text: String) {
        #expect(CommandParser.decodeLine(bytes) == .success(text))
        #expect(CommandParser.decodeLine(bytes[...]) == .success(text))
    }

    static let bad: [[UInt8]] = [
        [0xFF],
        [0x80],
        [0xC3],
        [0x61, 0xC3, 0x0D],
        [0xC0, 0xAF],
        [0xE0, 0x80, 0xAF],
        [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80],
        Array("ok".utf8) + [0xFE],
    ]

    @Test(arguments: bad)
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(CommandParser.decodeLine(bytes) == .failure(.invalidUTF8))
    }
}

extension ParsedLine {
    /// The wire line of an invalid line's error, for comparing with docs/PROTOCOL.md.
    fileprivate var wireLine: String? {
        guard case .invalid(let error) = self else { return nil }
        return ReplyFormatter.line(for: .error(error))
    }
}
