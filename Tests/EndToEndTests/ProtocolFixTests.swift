import Foundation
import Testing

/// Protocol points found by adversarial testing: names as registered, invisible characters, a guest who registers,
/// blocks from now on, and no message acknowledged to a session that is leaving.
@Suite(.timeLimit(.minutes(3)))
struct ProtocolFixTests {
    /// `send ALICE …` answers, delivers and stores the name as its owner spells it, online and offline.
    @Test func aRecipientIsNamedAsRegisteredHoweverItIsTyped() async throws {
        let server = try await ServerProcess.start()
        try await server.register("Alice", password: "alice-password")
        try await server.register("bob", password: "bob-password")
        let bob = try await server.login("bob", password: "bob-password")
        let alice = try await server.login("Alice", password: "alice-password")

        bob.send("send ALICE hi")
        #expect(await bob.answer().last == "OK delivered to Alice")
        #expect(await alice.next("PRIVATE ") == "PRIVATE bob: hi")
        bob.send("broadcast user aLiCe message hey")
        #expect(await bob.answer().filter { !$0.hasPrefix("NOTICE") }.first == "DELIVERY Alice delivered online now")
        #expect(await alice.next("BROADCAST ") == "BROADCAST bob to Alice: hey")
        alice.send("block BOB")
        #expect(await alice.answer().last == "OK blocked bob")
        bob.send("send alICE blocked now")
        #expect(await bob.answer().last == "ERROR blocked Alice does not accept messages from you")
        alice.send("unblock bob")
        await alice.answer()

        alice.send("tata")
        await alice.next("BYE ")
        bob.send("send aLICE later")
        #expect(await bob.answer().last == "OK queued for Alice (offline); Alice will find it in the inbox")
        bob.send("broadcast user ALICE message again")
        #expect(await bob.answer().first == "DELIVERY Alice queued offline; stored for the inbox")

        bob.send("history 4")
        let history = await bob.answer().filter { $0.hasPrefix("HISTORY ") }
        #expect(history.count == 4)
        #expect(history.allSatisfy { $0.contains(" bob -> Alice: ") }, "\(history)")
    }

    /// Zero-width and other invisible format characters are shown as `�`, like the bidi controls.
    @Test func invisibleFormatCharactersAreNeutralised() async throws {
        let server = try await ServerProcess.start()
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        albert.send("pay\u{200B}pal\u{2028}CHAT admin: trust me\u{FEFF}\u{2060}")
        #expect(await tesla.next("CHAT ") == "CHAT albert: pay\u{FFFD}pal\u{FFFD}CHAT admin: trust me\u{FFFD}\u{FFFD}")
        albert.send("send tesla \u{061C}\u{200E}x\u{180E} 👨\u{200D}👩\u{200D}👧")
        #expect(await tesla.next("PRIVATE ") == "PRIVATE albert: \u{FFFD}\u{FFFD}x\u{FFFD} 👨\u{200D}👩\u{200D}👧")
    }

    /// A guest who registers has the rest of the session stored: a `send`, a `broadcast message` and a room line
    /// that reach them afterwards are all in their history.
    @Test func aGuestWhoRegistersHasTheRestOfTheSessionInHistory() async throws {
        let server = try await ServerProcess.start()
        try await server.register("bob", password: "bob-password")
        let gina = try await server.login("gina")
        let bob = try await server.login("bob", password: "bob-password")
        gina.send("register gina-password")
        #expect(await gina.answer().last?.hasPrefix("OK gina is registered") == true)

        bob.send("send gina a private note")
        #expect(await bob.answer().last == "OK delivered to gina")
        bob.send("broadcast message to everyone")
        #expect(await bob.answer().last?.hasPrefix("OK broadcast to 1 ") == true)
        bob.send("a room line")
        #expect(await gina.next("CHAT ") == "CHAT bob: a room line")

        // Broadcasts and room lines are stored in the background: ask until they are there (or give up).
        var history: [String] = []
        for _ in 0..<50 {
            gina.send("history")
            history = await gina.answer().filter { $0.hasPrefix("HISTORY ") }
            if history.count >= 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(
            history.map { $0.split(separator: " ", maxSplits: 2).last.map(String.init) ?? "" } == [
                "bob -> gina: a private note", "bob -> everyone: to everyone", "bob -> room: a room line",
            ]
        )
    }

    /// `block` hides what comes after it, not what was said before; a name nobody ever had cannot be blocked; a
    /// broadcast to an empty list of users is a usage error.
    @Test func aBlockHidesOnlyWhatComesAfterItAndNeedsSomebodyToBlock() async throws {
        let server = try await ServerProcess.start()
        try await server.register("alice", password: "alice-password")
        let alice = try await server.login("alice", password: "alice-password")
        let bob = try await server.login("bob")
        bob.send("send alice before the block")
        #expect(await bob.answer().last == "OK delivered to alice")
        alice.send("block bob")
        #expect(await alice.answer().last == "OK blocked bob")
        bob.send("send alice after the block")
        #expect(await bob.answer().last?.hasPrefix("ERROR blocked ") == true)
        alice.send("history")
        let history = await alice.answer().filter { !$0.hasPrefix("NOTICE") }
        #expect(history.count == 2)
        #expect(history.first?.hasSuffix(" bob -> alice: before the block") == true, "\(history)")

        alice.send("block nobody")
        #expect(await alice.answer().last?.hasPrefix("ERROR unknown-user ") == true)
        alice.send("blocked")
        #expect(await alice.answer().filter { !$0.hasPrefix("NOTICE") } == ["USER bob", "OK 1 blocked user"])

        bob.send("broadcast user message hi")
        #expect(await bob.answer().last?.hasPrefix("ERROR usage ") == true)
    }

    /// A `send` racing the recipient's `tata`: every message acknowledged as delivered reached the recipient before
    /// its `BYE`, and every other acknowledged one waits in its inbox. Nothing acknowledged is lost.
    @Test func aSendRacingTataIsReceivedOrQueued() async throws {
        let server = try await ServerProcess.start()
        try await server.register("bob", password: "bob-password")
        let alice = try await server.login("alice")
        let tries = 40
        let perTry = 3
        var delivered: [String] = []
        var queued: [String] = []
        var lost: [String] = []
        for attempt in 1...tries {
            let bob = try await server.login("bob", password: "bob-password")
            let texts = (1...perTry).map { "race-\(attempt)-\($0)" }
            bob.send("tata")
            for text in texts {
                alice.send("send bob \(text)")
                // Spread over the moment the server takes bob out of the room.
                try await Task.sleep(for: .microseconds(300 * attempt % 1500))
            }
            var answers: [String] = []
            for _ in texts { answers.append(await alice.answer().last ?? "(no answer)") }
            await bob.next("BYE ")
            let beforeBye = bob.lines.prefix { !$0.hasPrefix("BYE ") }
            for (text, answer) in zip(texts, answers) {
                if answer == "OK delivered to bob" {
                    delivered.append(text)
                    if !beforeBye.contains("PRIVATE alice: \(text)") { lost.append(text) }
                } else if answer.hasPrefix("OK queued for bob") {
                    queued.append(text)
                } else {
                    Issue.record("unexpected answer to send bob \(text): \(answer)")
                }
            }
        }
        #expect(lost.isEmpty, "acknowledged as delivered, never received: \(lost)")

        let bob = try await server.login("bob", password: "bob-password")
        bob.send("inbox")
        let inbox = await bob.answer().filter { $0.hasPrefix("INBOX ") }
        let missing = queued.filter { text in !inbox.contains { $0.hasSuffix("alice: \(text)") } }
        #expect(missing.isEmpty, "acknowledged as queued, not in the inbox: \(missing)")
        #expect(delivered.count + queued.count == tries * perTry)
    }
}
