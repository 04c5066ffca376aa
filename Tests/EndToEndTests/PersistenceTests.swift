import Foundation
import Testing

/// Inbox, history, wholast, registrations and blocks survive a restart and a `kill -9`.
@Suite(.timeLimit(.minutes(2)))
struct PersistenceTests {
    @Test(arguments: [SIGTERM, SIGKILL], TestDatabase.allCases)
    func acknowledgedDataSurvivesARestart(signal: Int32, database: TestDatabase) async throws {
        let first = try await ServerProcess.start(database: database)
        try await first.register("carol", password: "pass-carol-123")
        try await first.register("dan", password: "pass-dan-123")
        let dan = try await first.login("dan", password: "pass-dan-123")
        // Only somebody can be blocked: mallory is online.
        let mallory = try await first.login("mallory")
        dan.send("block mallory")
        #expect(await dan.answer().last?.hasPrefix("OK blocked") == true)
        let alice = try await first.login("alice")
        var acknowledged = 0
        for index in 1...20 {
            alice.send("send carol note \(index)")
            if await alice.answer().last?.hasPrefix("OK queued") == true { acknowledged += 1 }
        }
        #expect(acknowledged == 20)
        await first.stop(signal)
        withExtendedLifetime(mallory) {}

        let second = try await ServerProcess.start(pki: first.pki, databasePath: first.databasePath)
        let carol = try await second.login("carol", password: "pass-carol-123")
        carol.send("inbox")
        let inbox = await carol.answer().filter { $0.hasPrefix("INBOX ") }
        #expect(inbox.count == 20)
        #expect(inbox.first?.hasSuffix("alice: note 1") == true)
        #expect(inbox.last?.hasSuffix("alice: note 20") == true)
        carol.send("wholast 10")
        let seen = await carol.answer()
        #expect(seen.contains { $0.hasPrefix("USER alice last seen") })
        #expect(seen.contains { $0.hasPrefix("USER dan last seen") })

        let danAgain = try await second.login("dan", password: "pass-dan-123")
        danAgain.send("blocked")
        #expect(await danAgain.answer().filter { !$0.hasPrefix("NOTICE") } == ["USER mallory", "OK 1 blocked user"])
        carol.send("history 5")
        let history = await carol.answer().filter { $0.hasPrefix("HISTORY ") }
        #expect(history.count == 5)
        #expect(history.last?.hasSuffix("alice -> carol: note 20") == true)
    }

    @Test(arguments: [SIGTERM, SIGKILL], TestDatabase.allCases)
    func messagesInFlightWhenTheServerStopsAreNeverLostOnceAcknowledged(
        signal: Int32,
        database: TestDatabase
    ) async throws {
        let first = try await ServerProcess.start(database: database)
        try await first.register("carol", password: "pass-carol-123")
        let alice = try await first.login("alice")
        let total = 400
        for index in 1...total { alice.send("send carol burst \(index)") }
        // Stop the server while the burst is still being answered.
        _ = await alice.next { $0.hasPrefix("OK queued") }
        await first.stop(signal)
        await alice.waitForExit()
        let acknowledged = alice.lines.filter { $0.hasPrefix("OK queued for carol") }.count
        #expect(acknowledged >= 1)

        let second = try await ServerProcess.start(pki: first.pki, databasePath: first.databasePath)
        let carol = try await second.login("carol", password: "pass-carol-123")
        var stored: [String] = []
        for _ in 0..<3 {
            carol.send("inbox")
            stored += await carol.answer().filter { $0.hasPrefix("INBOX ") }
        }
        // Replies come in order, so the first `acknowledged` messages were acknowledged: each must be there.
        let numbers = Set(stored.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } })
        let missing = (1...max(1, acknowledged)).filter { !numbers.contains($0) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(10)) of \(acknowledged)")
    }

    @Test func sigtermTellsConnectedUsersAndExitsZero() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let stopping = ContinuousClock.now
        let status = await server.stop(SIGTERM)
        #expect(ContinuousClock.now - stopping < .seconds(5), "the issue asks for an exit within 5 s")
        #expect(await alice.next("NOTICE ")?.contains("shutting down") == true)
        #expect(await alice.next("BYE ") != nil)
        #expect(status == 0)
    }
}
