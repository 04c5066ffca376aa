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
    @Test(arguments: TestDatabase.allCases)
    func pipelinedSendsAreAnsweredAndStoredInOrder(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
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

    /// The inbox is at-least-once: an answer lost with its connection (a reset before the client acknowledged it)
    /// is offered again by the next `inbox`, and the unread count at login still counts it.
    @Test(arguments: TestDatabase.allCases)
    func anInboxAnswerLostWithItsConnectionIsOfferedAgain(database: TestDatabase) async throws {
        let (server, eve) = try await Self.serverWithNotesForDora(3, database: database)

        let first = try await server.login("dora", password: "dora-password")
        #expect(await first.next("NOTICE you have ") == "NOTICE you have 3 unread messages; type 'inbox' to read them")
        first.send("inbox")
        let shown = await first.answer()
        #expect(shown.filter { $0.hasPrefix("INBOX ") }.count == 3)
        #expect(shown.last == "OK 3 messages; type 'read' once you have them")
        // The client dies without acknowledging: the kernel resets the connection.
        first.signal(SIGKILL)
        #expect(await eve.next("NOTICE dora left") != nil)

        let second = try await server.login("dora", password: "dora-password")
        #expect(await second.next("NOTICE you have ") == "NOTICE you have 3 unread messages; type 'inbox' to read them")
        second.send("inbox")
        let again = await second.answer()
        #expect(again == shown, "the same messages, with the same ids")
    }

    /// `read <id>` acknowledges what this connection was shown up to that id; the rest stays unread.
    @Test(arguments: TestDatabase.allCases)
    func readAcknowledgesWhatWasShownUpToAnId(database: TestDatabase) async throws {
        let (server, eve) = try await Self.serverWithNotesForDora(3, database: database)
        eve.send("read")
        #expect(await eve.answer().last?.hasPrefix("ERROR not-allowed ") == true, "guests have no inbox")

        let first = try await server.login("dora", password: "dora-password")
        first.send("read")
        #expect(await first.answer().last == "OK 0 messages marked read", "nothing was shown yet")
        first.send("inbox")
        let ids = await first.answer().filter { $0.hasPrefix("INBOX ") }.map { $0.split(separator: " ")[1] }
        #expect(ids.count == 3)
        first.send("read 0")
        #expect(await first.answer().last == "ERROR usage read [<id>] (<id> is the number of a message 'inbox' showed)")
        first.send("read \(ids[1])")
        #expect(await first.answer().last == "OK 2 messages marked read")
        first.send("tata")
        await first.next("BYE ")

        let second = try await server.login("dora", password: "dora-password")
        #expect(await second.next("NOTICE you have ") == "NOTICE you have 1 unread message; type 'inbox' to read them")
        second.send("inbox")
        let rest = await second.answer()
        #expect(rest.count == 2)
        #expect(rest.first?.hasPrefix("INBOX \(ids[2]) ") == true)
        #expect(rest.first?.hasSuffix(" private eve: note 3") == true)
        second.send("read")
        #expect(await second.answer().last == "OK 1 message marked read")
        second.send("tata")
        await second.next("BYE ")

        let third = try await server.login("dora", password: "dora-password")
        third.send("inbox")
        #expect(await third.answer() == ["OK 0 messages"])
    }

    /// Asking for the next page acknowledges the previous one: paging through more than one page loses nothing and
    /// shows nothing twice, and the last page, never acknowledged, comes back after a reconnect.
    @Test(arguments: TestDatabase.allCases)
    func theNextInboxAcknowledgesThePreviousPage(database: TestDatabase) async throws {
        let total = 250
        let (server, eve) = try await Self.serverWithNotesForDora(total, database: database)

        let first = try await server.login("dora", password: "dora-password")
        first.send("inbox")
        let page1 = await first.answer()
        #expect(page1.last == "OK 200 messages; 50 more: type 'inbox' for the next page (it marks these read)")
        first.send("inbox")
        let page2 = await first.answer()
        #expect(page2.last == "OK 50 messages; type 'read' once you have them")
        let lines = (page1 + page2).filter { $0.hasPrefix("INBOX ") }
        let ids = lines.map { $0.split(separator: " ")[1] }
        #expect(Set(ids).count == total, "no message shown twice")
        #expect(lines.compactMap { $0.components(separatedBy: "note ").last } == (1...total).map(String.init))
        first.signal(SIGKILL)
        #expect(await eve.next("NOTICE dora left") != nil)

        let second = try await server.login("dora", password: "dora-password")
        #expect(
            await second.next("NOTICE you have ") == "NOTICE you have 50 unread messages; type 'inbox' to read them"
        )
        second.send("inbox")
        #expect(await second.answer() == page2)
        second.send("inbox")
        #expect(await second.answer() == ["OK 0 messages"])
    }

    /// A server where the guest eve (still online) has queued `count` notes, "note 1" to "note <count>", for the
    /// registered and offline dora (password "dora-password").
    private static func serverWithNotesForDora(
        _ count: Int,
        database: TestDatabase
    ) async throws -> (ServerProcess, LineProcess) {
        let server = try await ServerProcess.start(database: database)
        try await server.register("dora", password: "dora-password")
        let eve = try await server.login("eve")
        eve.sendRaw(Data((1...count).map { "send dora note \($0)\n" }.joined().utf8))
        let queued = await (1...count).asyncCount { _ in await eve.answer().last?.hasPrefix("OK queued") == true }
        #expect(queued == count)
        return (server, eve)
    }

    @Test(arguments: TestDatabase.allCases)
    func anOfflineUserWhoBlocksYouIsNotReached(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
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
        #expect(await back.answer().filter { !$0.hasPrefix("NOTICE") } == ["OK 0 messages"])
    }

    @Test(arguments: TestDatabase.allCases)
    func historyHonoursItsLimitAndShowsGuestRecipients(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
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
