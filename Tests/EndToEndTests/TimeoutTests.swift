import Foundation
import Testing

/// Login deadline, keep-alive probe and idle drop, and a client certificate that expires mid-session.
@Suite(.timeLimit(.minutes(2)))
struct TimeoutTests {
    @Test func aClientThatNeverLogsInIsDropped() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--login-timeout", "1"])
        let lurker = try server.connect()
        #expect(await lurker.next("PROMPT ") != nil)
        #expect(await lurker.next("BYE ") == "BYE login timed out")
        #expect(await lurker.waitForExit() != nil)
    }

    @Test func silentConnectionsAreProbedThenDropped() async throws {
        // 3 s, not 1: under a loaded `make test` a login alone has taken over 2 s, and the probe would come first.
        let server = try await ServerProcess.start(extraArguments: ["--idle-timeout", "3"])
        let alice = try await server.login("alice")
        // The order is what is tested, not the timing: a loaded run has taken over 10 s for one step.
        #expect(await alice.next("PING ", timeout: 30) == "PING keep-alive")
        #expect(await alice.next("BYE ", timeout: 30) == "BYE idle timeout")
        #expect(await server.process.errorLine { $0.contains("idle timeout") } != nil)
    }

    @Test func anAnsweredProbeKeepsTheConnection() async throws {
        // The answer has to arrive within one idle timeout of the probe; 10 s leaves room for a loaded CI machine,
        // where answering a 3 s probe in time has failed.
        let server = try await ServerProcess.start(extraArguments: ["--idle-timeout", "10"])
        let alice = try await server.login("alice")
        #expect(await alice.next("PING ", timeout: 40) == "PING keep-alive")
        alice.send("pong")
        #expect(await alice.next("PING ", timeout: 40) == "PING keep-alive", "an answered probe keeps the connection")
        alice.send("ping")
        #expect(await alice.next("OK ") == "OK pong")
    }

    @Test func aCertificateThatExpiresDuringTheSessionEndsIt() async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        // bob first, and the certificate issued only now, so that its few seconds are not spent starting the server
        // or logging bob in (which has taken seconds under a loaded `make test`).
        let bob = try await server.login("bob")
        let short = try pki.shortLivedClient("flash", seconds: 6)
        let flash = try server.connect(certificate: short)
        #expect(await flash.next("WELCOME ") != nil)
        #expect(await bob.next { $0.hasPrefix("NOTICE flash joined") } != nil)
        #expect(await flash.next(timeout: 20) { $0.contains("expired") } == "NOTICE your client certificate expired")
        #expect(await flash.next("BYE ") != nil)
        #expect(
            await bob.next { $0.hasPrefix("NOTICE flash left") }
                == "NOTICE flash left the conversation (client certificate expired)"
        )
    }
}
