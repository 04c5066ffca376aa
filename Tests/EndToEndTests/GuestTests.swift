import Foundation
import Testing

/// Guests can chat but nothing is stored for them, and a later holder of a guest's name inherits nothing.
@Suite(.timeLimit(.minutes(2)))
struct GuestTests {
    @Test func guestsHaveNoInboxOrHistory() async throws {
        let server = try await ServerProcess.start()
        let zed = try await server.login("zed")
        zed.send("inbox")
        #expect(await zed.answer().last?.hasPrefix("ERROR not-allowed ") == true)
        zed.send("history")
        #expect(await zed.answer().last?.hasPrefix("ERROR not-allowed ") == true)
    }

    @Test func aLaterHolderOfAGuestNameSeesNothingOfTheEarlierGuest() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        alice.send("register alice-password")
        await alice.answer()
        let zed = try await server.login("zed")
        zed.send("send alice secret from the first zed")
        #expect(await zed.answer().last == "OK delivered to alice")
        zed.send("block mallory")
        await zed.answer()
        zed.send("tata")
        await zed.next("BYE ")

        let newZed = try await server.login("zed")
        newZed.send("register zed-password-2")
        #expect(await newZed.answer().last?.hasPrefix("OK zed is registered") == true)
        newZed.send("history")
        #expect(await newZed.answer() == ["OK 0 messages"])
        newZed.send("blocked")
        #expect(await newZed.answer() == ["OK 0 blocked users"])
        withExtendedLifetime(alice) {}
    }

    @Test func registrationErrors() async throws {
        let pki = try TestPKI.make()
        let certificate = try pki.client("carol")
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let dan = try await server.login("dan")
        dan.send("register short")
        #expect(await dan.answer().last?.hasPrefix("ERROR weak-password ") == true)
        dan.send("register long-enough-pw")
        #expect(await dan.answer().last?.hasPrefix("OK dan is registered") == true)
        dan.send("register another-password")
        #expect(await dan.answer().last?.hasPrefix("ERROR already-registered ") == true)

        let carol = try server.connect(certificate: certificate)
        await carol.next("WELCOME ")
        carol.send("register some-password")
        #expect(await carol.answer().last?.hasPrefix("ERROR not-allowed ") == true)
    }

    @Test func blocksMadeAsAGuestAreKeptWhenRegistering() async throws {
        let server = try await ServerProcess.start()
        let erin = try await server.login("erin")
        // Only somebody can be blocked: mallory is online.
        let mallory = try await server.login("mallory")
        erin.send("block mallory")
        await erin.answer()
        erin.send("register erin-password")
        await erin.answer()
        erin.send("tata")
        await erin.next("BYE ")
        let back = try server.connect()
        await back.next("PROMPT ")
        back.send("erin")
        await back.next("PROMPT password ")
        back.send("erin-password")
        #expect(await back.next("WELCOME ") != nil)
        back.send("blocked")
        #expect(await back.answer() == ["USER mallory", "OK 1 blocked user"])
        withExtendedLifetime(mallory) {}
    }
}
