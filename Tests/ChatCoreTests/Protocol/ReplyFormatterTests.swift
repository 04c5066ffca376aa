import ChatCore
import Foundation
import Testing

/// 2026-11-25T13:02:11Z
private let sampleDate = Date(timeIntervalSince1970: 1_795_611_731)

@Suite struct ReplyFormatterTests {
    static let lines: [(ServerReply, String)] = [
        (.promptUsername, "PROMPT Enter username:"),
        (.promptPassword(for: Username.fixture("Carol")), "PROMPT password Enter password for Carol:"),
        (.welcome(Username.fixture("alice")), "WELCOME alice Welcome to chat room. Enter 'tata' anytime to exit"),
        (.chat(from: "bob", text: "hi alice"), "CHAT bob: hi alice"),
        (.privateMessage(from: "bob", text: "psst"), "PRIVATE bob: psst"),
        (.broadcast(from: "bob", text: "hear ye"), "BROADCAST bob: hear ye"),
        (.listBroadcast(from: "bob", to: ["Carol", "dave"], text: "hi"), "BROADCAST bob to Carol,dave: hi"),
        (.listBroadcast(from: "bob", to: ["carol"], text: "hi"), "BROADCAST bob to carol: hi"),
        (.joined("alice"), "NOTICE alice joined the conversation"),
        (.left("alice"), "NOTICE alice left the conversation"),
        (.leftUnexpectedly("alice"), "NOTICE alice left the conversation unexpectedly"),
        (.unreadMessages(3), "NOTICE you have 3 unread messages; type 'inbox' to read them"),
        (.unreadMessages(1), "NOTICE you have 1 unread message; type 'inbox' to read them"),
        (.serverShuttingDown, "NOTICE the server is shutting down"),
        (.notice("maintenance at noon"), "NOTICE maintenance at noon"),
        (.user("bob"), "USER bob"),
        (.userLastSeen("bob", at: sampleDate), "USER bob last seen 2026-11-25T13:02:11Z"),
        (.delivery("bob", status: .delivered, explanation: "online now"), "DELIVERY bob delivered online now"),
        (.delivery("carol", status: .queued, explanation: "stored"), "DELIVERY carol queued stored"),
        (.delivery("x", status: .failed, explanation: "unknown user"), "DELIVERY x failed unknown user"),
        (
            .inbox(id: MessageID(rawValue: 42), at: sampleDate, kind: .private, from: "bob", text: "see you"),
            "INBOX 42 2026-11-25T13:02:11Z private bob: see you"
        ),
        (
            .inbox(id: MessageID(rawValue: 7), at: sampleDate, kind: .broadcast, from: "bob", text: "all"),
            "INBOX 7 2026-11-25T13:02:11Z broadcast bob: all"
        ),
        (
            .history(at: sampleDate, from: "alice", to: "bob", text: "yo"),
            "HISTORY 2026-11-25T13:02:11Z alice -> bob: yo"
        ),
        (.help(form: "ping", text: "check"), "HELP ping - check"),
        (.ok("1 other user online"), "OK 1 other user online"),
        (.error(.usage("wholast <minutes>")), "ERROR usage wholast <minutes>"),
        (.error(.unknownUser("nobody")), "ERROR unknown-user there is no user called nobody"),
        (.ping, "PING keep-alive"),
        (.disconnected, "BYE DISCONNECTED!!"),
        (.bye("server is shutting down"), "BYE server is shutting down"),
    ]

    @Test(arguments: lines)
    func formats(reply: ServerReply, line: String) {
        #expect(ReplyFormatter.line(for: reply) == line)
        #expect(ReplyFormatter.bytes(for: reply) == Array((line + "\n").utf8))
    }

    static let hostile: [(ServerReply, String)] = [
        (.chat(from: "eve", text: "\u{1B}[2Jgone\nCHAT bob: fake"), "CHAT eve: ␛[2Jgone␊CHAT bob: fake"),
        (.privateMessage(from: "eve", text: "a\rb"), "PRIVATE eve: a␍b"),
        (.broadcast(from: "eve", text: "\u{9B}31m\u{202E}x"), "BROADCAST eve: \u{FFFD}31m\u{FFFD}x"),
        (
            .inbox(id: MessageID(rawValue: 1), at: sampleDate, kind: .private, from: "eve", text: "\u{7}\u{7F}"),
            "INBOX 1 2026-11-25T13:02:11Z private eve: ␇␡"
        ),
        (
            .history(at: sampleDate, from: "eve", to: "bob", text: "\tx"),
            "HISTORY 2026-11-25T13:02:11Z eve -> bob:  x"
        ),
        (.notice("a\nb"), "NOTICE a␊b"),
        (.ok("done\r\n"), "OK done␍␊"),
        (
            .error(.unknownCommand("/\u{1B}[31m")),
            "ERROR unknown-command /␛[31m is not a command; type 'help' for the list"
        ),
        (.bye("x\ny"), "BYE x␊y"),
    ]

    @Test(arguments: hostile)
    func neutralisesUserText(reply: ServerReply, line: String) {
        #expect(ReplyFormatter.line(for: reply) == line)
    }

    @Test(arguments: lines.map(\.0) + hostile.map(\.0))
    func bytesEndInExactlyOneNewline(reply: ServerReply) {
        let bytes = ReplyFormatter.bytes(for: reply)
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(!bytes.dropLast().contains(UInt8(ascii: "\n")))
        #expect(!bytes.contains(UInt8(ascii: "\r")))
    }

    @Test func everyLineStartsWithAnUpperCaseKindAndASpace() {
        let kinds: Set<String> = [
            "PROMPT", "WELCOME", "CHAT", "PRIVATE", "BROADCAST", "NOTICE", "USER", "DELIVERY", "INBOX", "HISTORY",
            "HELP", "OK", "ERROR", "PING", "BYE",
        ]
        for reply in Self.lines.map(\.0) {
            let line = ReplyFormatter.line(for: reply)
            let kind = line.prefix { $0 != " " }
            #expect(kinds.contains(String(kind)), "\(line)")
            #expect(line.dropFirst(kind.count).first == " ")
        }
    }
}

@Suite struct UTCTimestampTests {
    static let instants: [(Double, String)] = [
        (0, "1970-01-01T00:00:00Z"),
        (1_795_611_731, "2026-11-25T13:02:11Z"),
        (1_795_611_731.999, "2026-11-25T13:02:11Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (4_107_542_399, "2100-02-28T23:59:59Z"),
        (4_107_542_400, "2100-03-01T00:00:00Z"),
        (1_704_067_199, "2023-12-31T23:59:59Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (-0.5, "1969-12-31T23:59:59Z"),
        (-86_400 * 365, "1969-01-01T00:00:00Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ]

    @Test(arguments: instants)
    func formats(seconds: Double, text: String) {
        #expect(UTCTimestamp.string(from: Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test func agreesWithFoundationOverManyDays() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        for day in stride(from: -130_000, through: 2_932_000, by: 997) {
            let date = Date(timeIntervalSince1970: Double(day) * 86_400 + Double(day % 86_400 + 86_400) / 2)
            #expect(UTCTimestamp.string(from: date) == formatter.string(from: date))
        }
    }
}
