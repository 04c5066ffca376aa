import Foundation
import Testing

/// Client certificates: a verified CN is the user's name; names of certificate users are reserved.
@Suite(.timeLimit(.minutes(2)))
struct IdentityTests {
    @Test(arguments: TestDatabase.allCases)
    func aVerifiedCertificateLogsInAsItsCNWithoutAPrompt(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let alice = try pki.client("alice")
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let client = try server.connect(certificate: alice)
        #expect(await client.next { !$0.isEmpty } == "WELCOME alice Welcome to chat room. Enter 'tata' anytime to exit")
        let logged = await server.process.errorLine { $0.contains("connected [ alice ]") }
        #expect(logged?.contains("TLSv1.3") == true && logged?.contains("certificate CN=alice") == true)

        // The name now belongs to the certificate: a guest cannot take it, even after alice leaves.
        client.send("tata")
        await client.next("BYE ")
        let impostor = try server.connect()
        await impostor.next("PROMPT ")
        impostor.send("alice")
        #expect(await impostor.next("ERROR ")?.hasPrefix("ERROR name-reserved ") == true)
        #expect(await impostor.next { !$0.isEmpty } == "BYE this name needs its certificate")
        let shouting = try server.connect()
        await shouting.next("PROMPT ")
        shouting.send("ALICE")
        #expect(await shouting.next("ERROR ")?.hasPrefix("ERROR name-reserved ") == true)
    }

    @Test(arguments: TestDatabase.allCases)
    func aSecondLiveLoginWithTheSameCertificateIsRefused(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let alice = try pki.client("alice")
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "required", "--ca", pki.caCertificate]
        )
        let first = try server.connect(certificate: alice)
        #expect(await first.next("WELCOME ") != nil)
        let second = try server.connect(certificate: alice)
        #expect(await second.next("ERROR ")?.hasPrefix("ERROR name-taken ") == true)
        #expect(await second.next("BYE ") != nil)
        first.send("ping")
        #expect(await first.answer().last == "OK pong")
    }

    @Test(arguments: TestDatabase.allCases)
    func aGuestHoldingANameDoesNotLetACertificateTakeItsMessages(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let certificate = try pki.client("sam")
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let guestSam = try await server.login("sam")
        let refused = try server.connect(certificate: certificate)
        #expect(await refused.next("ERROR ")?.hasPrefix("ERROR name-taken ") == true)
        let alice = try await server.login("alice")
        alice.send("send sam for the guest only")
        #expect(await guestSam.next("PRIVATE ") == "PRIVATE alice: for the guest only")
        #expect(await alice.answer().last == "OK delivered to sam")
        guestSam.send("tata")
        await guestSam.next("BYE ")

        let realSam = try server.connect(certificate: certificate)
        #expect(await realSam.next("WELCOME ") != nil)
        realSam.send("history")
        #expect(await realSam.answer().filter { !$0.hasPrefix("NOTICE") } == ["OK 0 messages"])
    }

    @Test(arguments: TestDatabase.allCases)
    func optionalModeLetsClientsWithoutCertificatesChoose(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        _ = try await server.login("guest1")
    }

    @Test(arguments: TestDatabase.allCases)
    func requiredModeRefusesClientsWithoutACertificate(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "required", "--ca", pki.caCertificate]
        )
        let client = try server.connect()
        #expect(await client.next(timeout: 5) { $0.hasPrefix("PROMPT") || $0.hasPrefix("WELCOME") } == nil)
        #expect(await client.waitForExit() != nil)
        #expect(await server.process.errorLine { $0.contains("connection error") } != nil)
    }

    @Test(arguments: TestDatabase.allCases)
    func aCertificateWhoseCNIsNotAUsernameIsRefusedWithAReason(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let odd = try pki.client("odd", subject: "/CN=Not A Name")
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "required", "--ca", pki.caCertificate]
        )
        let client = try server.connect(certificate: odd)
        #expect(await client.next("ERROR ")?.hasPrefix("ERROR name-invalid ") == true)
        #expect(await client.next("BYE ") != nil)
    }

    /// A verified certificate without one CN must not let its holder type a name (with `required` that would be a
    /// way around certificate login); two CNs are refused as well: software disagrees on which one counts.
    @Test(arguments: ["/O=No CN", "/CN=mallory/CN=alice"])
    func aCertificateWithoutOneCNIsRefusedNotPrompted(subject: String) async throws {
        let pki = try TestPKI.make()
        let odd = try pki.client("odd", subject: subject)
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "required", "--ca", pki.caCertificate]
        )
        let client = try server.connect(certificate: odd)
        #expect(await client.next { !$0.isEmpty }?.hasPrefix("ERROR name-invalid ") == true)
        #expect(await client.next("BYE ") == "BYE certificate name is not a valid username")
        #expect(await client.waitForExit() != nil)
    }

    @Test(arguments: TestDatabase.allCases)
    func aCertificateLoginTakesOverANameRegisteredWithAPassword(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let carl = try pki.client("carl")
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        try await server.register("Carl", password: "hunter222")
        #expect(await server.process.errorLine { $0.contains("is offline [ Carl ]") } != nil)

        let withCertificate = try server.connect(certificate: carl)
        #expect(await withCertificate.next { !$0.isEmpty }?.hasPrefix("WELCOME carl ") == true)
        withCertificate.send("tata")
        #expect(await withCertificate.next("BYE ") != nil)
        _ = await withCertificate.waitForExit()

        // The password no longer logs in: the name is the certificate's now.
        let withPassword = try server.connect()
        #expect(await withPassword.next("PROMPT ") == "PROMPT Enter username:")
        withPassword.send("carl")
        #expect(await withPassword.next("ERROR ")?.hasPrefix("ERROR name-reserved ") == true)
    }

    @Test(arguments: TestDatabase.allCases)
    func aRevokedCertificateIsRefused(database: TestDatabase) async throws {
        let pki = try TestPKI.make()
        let eve = try pki.client("eve")
        try pki.revoke("eve")
        let server = try await ServerProcess.start(
            pki: pki,
            database: database,
            extraArguments: ["--client-auth", "required", "--ca", pki.caCertificate, "--crl", pki.crl]
        )
        let client = try server.connect(certificate: eve)
        #expect(await client.next(timeout: 5) { $0.hasPrefix("WELCOME") } == nil)
        #expect(await server.process.errorLine { $0.contains("revoked") } != nil)
    }
}
