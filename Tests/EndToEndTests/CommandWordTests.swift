import Foundation
import Testing

/// The wire forms that tell things apart: `say` for chat that starts with a command word, broadcasts to a list, and
/// the kind of each stored message.
@Suite(.timeLimit(.minutes(2)))
struct CommandWordTests {
    @Test func sayReachesTheRoomWhateverWordTheLineStartsWith() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")
        await alice.next("NOTICE bob joined")
        for text in ["help me please", "send me the file", "tata for now"] {
            alice.send("say \(text)")
            #expect(await bob.next("CHAT ") == "CHAT alice: \(text)")
        }
        alice.send("/say history is boring")
        #expect(await bob.next("CHAT ") == "CHAT alice: history is boring")
        // Accepted chat gets no answer: the next line alice sees is the answer to ping.
        alice.send("ping")
        #expect(await alice.nextLine() == "OK pong")
        alice.send("say")
        #expect(await alice.nextLine() == "ERROR usage say <text>")
    }

    @Test func aBroadcastToAListNamesItsRecipientsAndTheInboxSaysWhatEachMessageWas() async throws {
        let server = try await ServerProcess.start()
        try await server.register("dora", password: "dora-password")
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")
        let carol = try await server.login("carol")
        alice.send("broadcast user bob dora message meeting at noon")
        #expect(await bob.next("BROADCAST ") == "BROADCAST alice to bob,dora: meeting at noon")
        #expect(await alice.answer().last == "OK 1 delivered, 1 queued, 0 failed")
        alice.send("send dora just for you")
        await alice.answer()
        alice.send("broadcast message everyone")
        #expect(await carol.next("BROADCAST ") == "BROADCAST alice: everyone")

        let dora = try await server.login("dora", password: "dora-password")
        dora.send("inbox")
        let inbox = await dora.answer().filter { $0.hasPrefix("INBOX ") }
        let parts = inbox.map { $0.split(separator: " ", maxSplits: 4).map(String.init) }
        #expect(parts.map { $0[3] } == ["broadcast", "private"])
        #expect(parts.map { $0[4] } == ["alice: meeting at noon", "alice: just for you"])
        let ids = parts.compactMap { Int($0[1]) }
        #expect(ids.count == 2 && ids[0] > 0 && ids[0] < ids[1])
    }
}
