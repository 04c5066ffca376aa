import ChatCore
import Testing

@Suite struct OKSummaryTests {
    static let summaries: [(String, String)] = [
        (OKSummary.counted(0, "user"), "0 users"),
        (OKSummary.counted(1, "user"), "1 user"),
        (OKSummary.counted(2, "reply", plural: "replies"), "2 replies"),
        (OKSummary.othersOnline(0), "0 other users online"),
        (OKSummary.othersOnline(1), "1 other user online"),
        (OKSummary.othersOnline(2), "2 other users online"),
        (OKSummary.lastSeen(1, minutes: 1), "1 user seen in the last 1 minute"),
        (OKSummary.lastSeen(3, minutes: 10), "3 users seen in the last 10 minutes"),
        (OKSummary.delivered(to: Username.fixture("Bob")), "delivered to Bob"),
        (
            OKSummary.queued(for: Username.fixture("carol")),
            "queued for carol (offline); carol will find it in the inbox"
        ),
        (OKSummary.broadcast(reached: 1), "broadcast to 1 user"),
        (OKSummary.broadcast(reached: 4), "broadcast to 4 users"),
        (OKSummary.deliveries(delivered: 2, queued: 1, failed: 0), "2 delivered, 1 queued, 0 failed"),
        (OKSummary.inboxPage(1, more: 0), "1 message; type 'read' once you have them"),
        (OKSummary.inboxPage(0, more: 0), "0 messages"),
        (
            OKSummary.inboxPage(200, more: 5),
            "200 messages; 5 more: type 'inbox' for the next page (it marks these read)"
        ),
        (OKSummary.markedRead(1), "1 message marked read"),
        (OKSummary.markedRead(3), "3 messages marked read"),
        (OKSummary.history(20), "20 messages"),
        (OKSummary.blocked(Username.fixture("bob")), "blocked bob"),
        (OKSummary.unblocked(Username.fixture("bob")), "unblocked bob"),
        (OKSummary.blockedUsers(1), "1 blocked user"),
        (OKSummary.blockedUsers(0), "0 blocked users"),
        (
            OKSummary.registered(Username.fixture("alice")),
            "alice is registered; from now on this name asks for your password"
        ),
        (OKSummary.help(nil), "18 commands; type 'help <command>' for one of them"),
        (OKSummary.help(.send), "help for send"),
        (OKSummary.pong, "pong"),
    ]

    @Test(arguments: summaries)
    func reads(summary: String, expected: String) {
        #expect(summary == expected)
    }

    @Test func matchesTheProtocolExample() {
        #expect(ReplyFormatter.line(for: .ok(OKSummary.othersOnline(1))) == "OK 1 other user online")
        #expect(
            ReplyFormatter.line(for: .ok(OKSummary.queued(for: Username.fixture("carol"))))
                == "OK queued for carol (offline); carol will find it in the inbox"
        )
    }
}
