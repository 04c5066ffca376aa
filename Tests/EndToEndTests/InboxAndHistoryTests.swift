import Foundation
import Testing

/// Stored messages: big inboxes come in pages without losing anything, blocks hold offline too, history limits.
@Suite(.timeLimit(.minutes(2)))
struct InboxAndHistoryTests {
    /// A big inbox comes in pages, and nothing is lost. With an outbound queue limit below the usual answer size
    /// (the second case) the server's own answers must not make their reader look slow: it was dropped with the
    /// page's messages already marked read.
    @Test(
        arguments: [(limit: nil, messages: 120), (limit: "65536", messages: 12)] as [(limit: String?, messages: Int)]
    )
    func aHugeInboxArrivesInPagesAndNothingIsLost(limit: String?, messages: Int) async throws {
        let server = try await ServerProcess.start(extraArguments: limit.map { ["--outbound-queue-limit", $0] } ?? [])
        try await server.register("dora", password: "dora-password")
        let eve = try await server.login("eve")
        // Each text is 4000 ESC characters: 12 000 bytes on the wire once neutralised.
        let heavy = String(repeating: "\u{1B}", count: 4000)
        for index in 1...messages {
            eve.send("send dora \(heavy) \(index)")
        }
        let acknowledged = await (1...messages).asyncCount { _ in
            await eve.answer().last?.hasPrefix("OK queued") == true
        }
        #expect(acknowledged == messages)

        let back = try await server.login("dora", password: "dora-password")
        var received = 0
        var pages = 0
        while received < messages && pages < 15 {
            back.send("inbox")
            let page = await back.answer(timeout: 20)
            received += page.filter { $0.hasPrefix("INBOX ") }.count
            pages += 1
            #expect(page.last?.hasPrefix("OK ") == true, "the connection must survive its own inbox answer")
        }
        #expect(received == messages)
        #expect(pages > 1, "\(messages) messages of 12 kB do not fit one answer")
    }

    /// The server stores consecutive pipelined `send`s together; the client must not notice: one answer per command,
    /// in order, and the inbox in the order of the sends.
    @Test func pipelinedSendsAreAnsweredAndStoredInOrder() async throws {
        let server = try await ServerProcess.start()
        try await server.register("dora", password: "dora-password")
        let eve = try await server.login("eve")
        var burst = (1...20).map { "send dora note \($0)\n" }.joined()
        burst += "send nobody hi\nwhoelse\nsend dora note 21\n"
        eve.sendRaw(Data(burst.utf8))
        var answers: [[String]] = []
        for _ in 1...23 {
            answers.append(await eve.answer().filter { !$0.hasPrefix("NOTICE") })
        }
        let queued = "OK queued for dora (offline); dora will find it in the inbox"
        let first20: [[String]] = Array(answers[0..<20])
        #expect(first20.allSatisfy { $0 == [queued] })
        #expect(answers[20].first?.hasPrefix("ERROR unknown-user ") == true)
        #expect(answers[21] == ["OK 0 other users online"])
        #expect(answers[22] == [queued])

        let dora = try await server.login("dora", password: "dora-password")
        dora.send("inbox")
        let inbox: [String] = await dora.answer().filter { $0.hasPrefix("INBOX ") }
        let numbers: [String] = inbox.compactMap { $0.components(separatedBy: "note ").last }
        let expected: [String] = (1...21).map { String($0) }
        #expect(numbers == expected)
    }

    @Test func anOfflineUserWhoBlocksYouIsNotReached() async throws {
        let server = try await ServerProcess.start()
        try await server.register("carol", password: "carol-password")
        // Only somebody can be blocked: mallory is online.
        let mallory = try await server.login("mallory")
        let carol = try await server.login("carol", password: "carol-password")
        carol.send("block mallory")
        await carol.answer()
        carol.send("tata")
        await carol.next("BYE ")
        mallory.send("send carol hello?")
        #expect(await mallory.answer().last?.hasPrefix("ERROR blocked ") == true)
        mallory.send("broadcast user carol message hello?")
        #expect(await mallory.answer().first?.hasPrefix("DELIVERY carol failed ") == true)
        let back = try await server.login("carol", password: "carol-password")
        back.send("inbox")
        #expect(await back.answer().filter { !$0.hasPrefix("NOTICE") } == ["OK 0 messages; marked read"])
    }

    @Test func historyHonoursItsLimitAndShowsGuestRecipients() async throws {
        let server = try await ServerProcess.start()
        try await server.register("ann", password: "ann-password")
        let ann = try await server.login("ann", password: "ann-password")
        let guest = try await server.login("guest7")
        for index in 1...5 {
            ann.send("send guest7 number \(index)")
            await ann.answer()
        }
        ann.send("history 2")
        let lines = await ann.answer().filter { !$0.hasPrefix("NOTICE") }
        #expect(lines.count == 3)
        #expect(lines.first?.hasSuffix("ann -> guest7: number 4") == true)
        #expect(lines.dropFirst().first?.hasSuffix("ann -> guest7: number 5") == true)
        #expect(lines.last == "OK 2 messages")
        ann.send("history 0")
        #expect(await ann.answer().last?.hasPrefix("ERROR usage ") == true)
        withExtendedLifetime(guest) {}
    }
}

extension ClosedRange where Bound == Int {
    /// Counts the elements for which `predicate` holds, awaiting each in turn.
    func asyncCount(_ predicate: (Int) async -> Bool) async -> Int {
        var count = 0
        for element in self where await predicate(element) { count += 1 }
        return count
    }
}
