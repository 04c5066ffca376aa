import Foundation
import Testing

/// SIGHUP re-reads certificate, key, CA and CRL without dropping anybody who is still welcome.
@Suite(.timeLimit(.minutes(2)))
struct ReloadTests {
    /// The subject of the certificate a fresh `openssl s_client` is shown.
    private func servedSubject(_ server: ServerProcess) async throws -> String? {
        let probe = try LineProcess(
            name: "probe",
            executable: "/usr/bin/openssl",
            arguments: ["s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", server.pki.caCertificate]
        )
        probe.closeInput()
        return await probe.next { $0.hasPrefix("subject=") }
    }

    @Test func aNewCertificateIsServedToNewClientsAndSessionsStay() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")
        #expect(try await servedSubject(server)?.contains("Reloaded") == false)

        try server.pki.reissueServer(subject: "/CN=localhost/O=Reloaded")
        server.process.signal(SIGHUP)
        #expect(await server.process.errorLine { $0.contains("reloaded TLS files") } != nil)
        #expect(try await servedSubject(server)?.contains("Reloaded") == true)

        alice.send("still connected")
        #expect(await bob.next("CHAT ") == "CHAT alice: still connected")
    }

    @Test func aBrokenCertificateIsRefusedAndTheOldOneKept() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        try "not a certificate".write(toFile: server.pki.serverCertificate, atomically: true, encoding: .utf8)
        server.process.signal(SIGHUP)
        #expect(
            await server.process.errorLine { $0.contains("reload failed, keeping the current certificates") } != nil
        )
        let bob = try await server.login("bob")
        alice.send("hello")
        #expect(await bob.next("CHAT ") == "CHAT alice: hello")
    }

    @Test func aCRLThatRevokesAConnectedUserClosesOnlyThatSession() async throws {
        let pki = try TestPKI.make()
        let alice = try pki.client("alice")
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate, "--crl", pki.crl]
        )
        let aliceClient = try server.connect(certificate: alice)
        #expect(await aliceClient.next("WELCOME ") != nil)
        let bob = try await server.login("bob")

        try pki.revoke("alice")
        server.process.signal(SIGHUP)
        #expect(await aliceClient.next { $0.contains("revoked") } == "NOTICE your client certificate has been revoked")
        #expect(await aliceClient.next("BYE ") != nil)
        #expect(
            await bob.next { $0.hasPrefix("NOTICE alice left") }
                == "NOTICE alice left the conversation (client certificate revoked)"
        )
        #expect(await server.process.errorLine { $0.contains("1 session(s) closed for revoked certificates") } != nil)

        let again = try server.connect(certificate: alice)
        #expect(await again.next(timeout: 5) { $0.hasPrefix("WELCOME") } == nil)
    }
}
