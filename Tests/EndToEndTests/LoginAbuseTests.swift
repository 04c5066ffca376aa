import Foundation
import Testing

/// Abuse of the login: guessing passwords, locking others out, flooding before `WELCOME`, odd names and certificates.
@Suite(.timeLimit(.minutes(2)))
struct LoginAbuseTests {
    /// `openssl s_client` connecting from 127.0.0.2 (Linux routes all of 127/8 to lo; the server listens on
    /// 127.0.0.1): another source than the other clients.
    private static let fromOtherSource = ["-bind", "127.0.0.2:0"]

    /// Lock-outs are kept in the database: a restart does not hand the guesser fresh tries.
    @Test(arguments: TestDatabase.allCases)
    func aLockOutOutlivesARestart(database: TestDatabase) async throws {
        let first = try await ServerProcess.start(database: database)
        try await first.register("dave", password: "right-password")
        let intruder = try first.connect(extra: Self.fromOtherSource)
        #expect(await intruder.next("PROMPT ") == "PROMPT Enter username:")
        intruder.send("dave")
        #expect(await intruder.next("PROMPT ") == "PROMPT password Enter password for dave:")
        for guess in ["guess-one", "guess-two", "guess-three"] { intruder.send(guess) }
        #expect(await intruder.next("ERROR name-locked ") != nil)
        #expect(await intruder.next("BYE ") == "BYE too many wrong passwords")
        #expect(await first.stop() == 0)

        let second = try await ServerProcess.start(pki: first.pki, databasePath: first.databasePath)
        let again = try second.connect(extra: Self.fromOtherSource)
        #expect(await again.next("PROMPT ") == "PROMPT Enter username:")
        again.send("dave")
        let locked = await again.next("ERROR ")
        #expect(locked?.hasPrefix("ERROR name-locked ") == true, "\(again.lines)")
        #expect(await again.next("BYE ") == "BYE too many wrong passwords")
        // The owner, from another source, is not locked out.
        let owner = try await second.login("dave", password: "right-password")
        owner.send("tata")
        #expect(await owner.next("BYE ") != nil)
    }

    @Test func wrongPasswordsLockOutTheirSourceOnlyAndTheOwnerGetsIn() async throws {
        let server = try await ServerProcess.start()
        try await server.register("dave", password: "right-password")

        let intruder = try server.connect(extra: Self.fromOtherSource)
        #expect(await intruder.next("PROMPT ") == "PROMPT Enter username:")
        intruder.send("dave")
        #expect(await intruder.next("PROMPT ") == "PROMPT password Enter password for dave:")
        for guess in ["guess-one", "guess-two"] {
            intruder.send(guess)
            #expect(await intruder.next("ERROR ")?.hasPrefix("ERROR bad-password ") == true)
        }
        intruder.send("guess-three")
        #expect(await intruder.next("ERROR ")?.hasPrefix("ERROR name-locked ") == true)
        // No prompt for a name follows: a password typed next must not become a guest's name.
        intruder.send("right-password")
        #expect(await intruder.next("BYE ") == "BYE too many wrong passwords")
        #expect(await intruder.waitForExit() != nil)
        #expect(intruder.lines.filter { $0 == "PROMPT Enter username:" }.count == 1)
        #expect(!intruder.lines.contains { $0.hasPrefix("WELCOME") })

        // The locked source stays locked out of the name, even on a new connection.
        let again = try server.connect(extra: Self.fromOtherSource)
        #expect(await again.next("PROMPT ") == "PROMPT Enter username:")
        again.send("dave")
        #expect(await again.next("ERROR ")?.hasPrefix("ERROR name-locked ") == true)
        #expect(await again.next("BYE ") == "BYE too many wrong passwords")

        // The owner, from 127.0.0.1, still gets in with the right password.
        let owner = try await server.login("dave", password: "right-password")
        owner.send("ping")
        #expect(await owner.answer() == ["OK pong"])
    }

    @Test func aFloodBeforeLoginIsDisconnected() async throws {
        // The connection limits relaxed, the line rate limits at their defaults.
        let server = try await ServerProcess.start(limits: [
            "--max-new-connections-per-minute", "100000", "--max-connections-per-ip", "10000",
        ])
        let flooder = try server.connect()
        #expect(await flooder.next("PROMPT ") == "PROMPT Enter username:")
        flooder.sendRaw(Data(String(repeating: "not a name\n", count: 5000).utf8))
        #expect(await flooder.next("BYE ") == "BYE too many lines too fast")
        #expect(await flooder.waitForExit() != nil)
        let errors = flooder.lines.filter { $0.hasPrefix("ERROR ") }
        #expect(errors.count < 100, "answered \(errors.count) lines of a flood")
        #expect(errors.contains { $0.hasPrefix("ERROR rate-limited ") })
        // Every answer before WELCOME ends with a prompt (ordering rule 1), the rate-limited ones too.
        #expect(flooder.lines.filter { $0 == "PROMPT Enter username:" }.count == errors.count + 1)
    }

    @Test func tataAtThePasswordPromptLeavesAndIsNoWrongPassword() async throws {
        let server = try await ServerProcess.start()
        try await server.register("carol", password: "right-password")
        for _ in 0..<3 {
            let client = try server.connect()
            #expect(await client.next("PROMPT ") == "PROMPT Enter username:")
            client.send("carol")
            #expect(await client.next("PROMPT ") == "PROMPT password Enter password for carol:")
            client.send("tata")
            #expect(await client.next { !$0.isEmpty } == "BYE DISCONNECTED!!")
            #expect(await client.waitForExit() != nil)
        }
        // Three of them locked nothing.
        _ = try await server.login("carol", password: "right-password")
    }

    @Test func newNamesMustStartWithALetterWhileStoredOnesKeepWorking() async throws {
        let pki = try TestPKI.make()
        let database = pki.path("names.sqlite")
        do {
            let server = try await ServerProcess.start(pki: pki, databasePath: database)
            let client = try server.connect()
            #expect(await client.next("PROMPT ") == "PROMPT Enter username:")
            for raw in [".", "-rf", "...", "12345"] {
                client.send(raw)
                #expect(await client.next("ERROR ")?.hasPrefix("ERROR name-invalid ") == true, "\(raw)")
                #expect(await client.next("PROMPT ") == "PROMPT Enter username:")
            }
            // A name from before the rule: registered as `olduser`, renamed in the store below.
            try await server.register("olduser", password: "old-password")
            await server.stop()
        }
        try runSQL(database, "UPDATE identity SET key = '12345', display_name = '12345' WHERE key = 'olduser'")
        let server = try await ServerProcess.start(pki: pki, databasePath: database)
        _ = try await server.login("12345", password: "old-password")
    }

    @Test func aCertificateIdentityBelongsToItsExactCNSpelling() async throws {
        let pki = try TestPKI.make()
        let alice = try pki.client("alice")
        let upper = try pki.client("alice-upper", subject: "/CN=Alice")
        let renewed = try pki.client("alice-renewed", subject: "/CN=alice")
        let digits = try pki.client("digits", subject: "/CN=12345")
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let first = try server.connect(certificate: alice)
        #expect(await first.next { !$0.isEmpty }?.hasPrefix("WELCOME alice ") == true)
        first.send("tata")
        #expect(await first.next("BYE ") != nil)
        _ = await first.waitForExit()

        let otherSpelling = try server.connect(certificate: upper)
        #expect(await otherSpelling.next { !$0.isEmpty }?.hasPrefix("ERROR name-reserved ") == true)
        #expect(await otherSpelling.next("BYE ") == "BYE could not log in with this certificate")

        // A renewed certificate (a new key) with the same CN is still alice.
        let again = try server.connect(certificate: renewed)
        #expect(await again.next { !$0.isEmpty }?.hasPrefix("WELCOME alice ") == true)

        let odd = try server.connect(certificate: digits)
        #expect(await odd.next { !$0.isEmpty }?.hasPrefix("ERROR name-invalid ") == true)
        #expect(await odd.next("BYE ") != nil)
    }

    @Test func aRegisteredNameTakesTheSpellingOfTheCertificateThatClaimsIt() async throws {
        let pki = try TestPKI.make()
        let upper = try pki.client("carl-upper", subject: "/CN=CARL")
        let lower = try pki.client("carl")
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        try await server.register("Carl", password: "hunter222")
        let claim = try server.connect(certificate: upper)
        #expect(await claim.next { !$0.isEmpty }?.hasPrefix("WELCOME CARL ") == true)
        claim.send("tata")
        #expect(await claim.next("BYE ") != nil)
        _ = await claim.waitForExit()

        let otherSpelling = try server.connect(certificate: lower)
        #expect(await otherSpelling.next { !$0.isEmpty }?.hasPrefix("ERROR name-reserved ") == true)
    }

    @Test func noKeepAliveProbeBeforeWelcome() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--idle-timeout", "1", "--login-timeout", "4"])
        let lurker = try server.connect()
        #expect(await lurker.next("PROMPT ") == "PROMPT Enter username:")
        #expect(await lurker.next("BYE ") == "BYE login timed out")
        #expect(!lurker.lines.contains("PING keep-alive"))
    }

    private func runSQL(_ database: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
    /// A script that sends a name and its password in one go must not have the password taken for a guest's name when
    /// the name is refused: a registered name online elsewhere, or one a certificate has claimed, closes the
    /// connection instead of asking for another name. A name a guest holds still asks again.
    @Test func aRefusedIdentityNameIsNotFollowedByAPromptThatTakesThePassword() async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        try await server.register("vic", password: "vic-password")
        try await server.register("carl", password: "carl-password")
        let vic = try await server.login("vic", password: "vic-password")
        let carl = try server.connect(certificate: try pki.client("carl"))
        #expect(await carl.next("WELCOME ") != nil)
        carl.send("tata")
        await carl.next("BYE ")
        let watcher = try await server.login("watcher")

        for (name, password, error, bye) in [
            ("vic", "vic-password", "ERROR name-taken vic is online already", "BYE this name is in use"),
            ("carl", "carl-password", "ERROR name-reserved ", "BYE this name needs its certificate"),
        ] {
            let script = try server.connect()
            await script.next("PROMPT ")
            script.send("\(name)\n\(password)")
            #expect(await script.next { !$0.isEmpty }?.hasPrefix(error) == true)
            #expect(await script.next { !$0.isEmpty } == bye)
            #expect(await script.waitForExit() != nil)
            #expect(!script.lines.contains { $0.hasPrefix("WELCOME") || $0.contains("already; choose another") })
        }
        watcher.send("whoelse")
        #expect(await watcher.answer() == ["USER vic", "OK 1 other user online"])

        // The race after the name: someone logs in as vic (once vic left) while this connection is at vic's
        // password prompt; the right password then ends the connection instead of asking for a name.
        vic.send("tata")
        await vic.next("BYE ")
        #expect(await watcher.next("NOTICE vic left") != nil)
        let slow = try server.connect()
        await slow.next("PROMPT ")
        slow.send("vic")
        #expect(await slow.next("PROMPT ") == "PROMPT password Enter password for vic:")
        let fast = try await server.login("vic", password: "vic-password")
        #expect(await watcher.next("NOTICE vic joined") != nil)
        slow.send("vic-password")
        #expect(await slow.next { !$0.isEmpty } == "ERROR name-taken vic is online already")
        #expect(await slow.next { !$0.isEmpty } == "BYE this name is in use")
        #expect(await slow.waitForExit() != nil)
        #expect(slow.lines.filter { $0.hasPrefix("PROMPT Enter username") }.count == 1, "the first prompt only")

        // `/tata` leaves at both prompts too, like `tata`.
        let leaving = try server.connect()
        await leaving.next("PROMPT ")
        leaving.send("/tata")
        #expect(await leaving.next { !$0.isEmpty } == "BYE DISCONNECTED!!")
        withExtendedLifetime(fast) {}
    }
}
