import Foundation
import Testing

/// Sealed private messages end to end (docs/SEALED.md): our client to our client through a real server, online and
/// through the inbox; our client to `openssl cms` and back; and what must be refused or flagged.
@Suite(.timeLimit(.minutes(2)))
struct SealedMessageTests {
    static let client = ServerProcess.executable("securechat-client")

    private func server(_ pki: TestPKI) async throws -> ServerProcess {
        try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
    }

    /// Our client, scripted, logged in with `name`'s certificate, remembering keys in its own known_users file.
    private func client(
        of server: ServerProcess,
        _ name: String,
        certificate: (cert: String, key: String)? = nil
    ) async throws -> LineProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        var arguments = [
            "127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate,
            "--known-users", server.pki.path("known-users-\(name)"),
        ]
        if let certificate {
            arguments += ["--cert", certificate.cert, "--key", certificate.key]
        } else {
            arguments += ["--name", name]
        }
        let process = try LineProcess(
            name: "client-\(name)",
            executable: Self.client,
            arguments: arguments,
            environment: environment
        )
        let welcome = await process.next(timeout: 30) { $0.hasPrefix("Logged in as ") }
        #expect(welcome?.hasPrefix("Logged in as \(name).") == true, "stderr: \(process.errorLines)")
        return process
    }

    @Test func twoCertificateUsersExchangeSealedMessagesOnlineAndOfflineThatTheServerCannotRead() async throws {
        let pki = try TestPKI.make()
        let alicePair = try pki.client("alice")
        let bobPair = try pki.client("bob")
        let server = try await server(pki)
        let bob = try await client(of: server, "bob", certificate: bobPair)
        let alice = try await client(of: server, "alice", certificate: alicePair)

        alice.send("/seal bob meet at 6 🕕")
        #expect(await alice.next(timeout: 20) { $0.hasPrefix("delivered to bob") } != nil, "\(alice.errorLines)")
        // The first message from alice also says that her key is now remembered.
        let received = await bob.next(timeout: 20) { $0.contains("[sealed") }
        #expect(received?.hasPrefix("[sealed, verified] alice: meet at 6 🕕 (alice's key SHA-256 ") == true)
        #expect(alice.errorLines.contains { $0.hasPrefix("bob's key SHA-256 ") && $0.contains("is new to you") })

        bob.send("/tata")
        #expect(await bob.waitForExit(timeout: 15) == 0)
        alice.send("/seal bob the offline secret")
        #expect(await alice.next(timeout: 20) { $0.hasPrefix("queued for bob") } != nil, "\(alice.errorLines)")
        alice.send("/history 5")
        let history = await alice.next(timeout: 20) { $0.contains("[sealed") }
        #expect(history?.hasSuffix(" alice -> bob [sealed, verified]: meet at 6 🕕") == true, "\(history ?? "none")")

        let bobAgain = try await client(of: server, "bob", certificate: bobPair)
        bobAgain.send("/inbox")
        let inbox = await bobAgain.next(timeout: 20) { $0.contains("[sealed") }
        #expect(inbox?.hasSuffix("[sealed, verified] alice: the offline secret") == true, "\(inbox ?? "none")")

        // The server's database holds the sealed messages, never their text.
        let stored = try [server.databasePath, server.databasePath + "-wal"].compactMap { path in
            FileManager.default.fileExists(atPath: path) ? try Data(contentsOf: URL(fileURLWithPath: path)) : nil
        }
        #expect(!stored.isEmpty)
        for text in ["meet at 6", "offline secret"] {
            #expect(stored.allSatisfy { $0.range(of: Data(text.utf8)) == nil }, "'\(text)' is in the database")
        }
        #expect(stored.contains { $0.range(of: Data("MII".utf8)) != nil }, "the sealed messages are stored")
    }

    @Test func opensslOpensWhatOurClientSealsAndOurClientOpensWhatOpensslSeals() async throws {
        let pki = try TestPKI.make()
        let alicePair = try pki.client("alice")
        let bobPair = try pki.client("bob")
        let carolPair = try pki.client("carol")
        let server = try await server(pki)
        let bob = try server.connect(certificate: bobPair)
        #expect(await bob.next("WELCOME bob ") != nil)
        let alice = try await client(of: server, "alice", certificate: alicePair)

        alice.send("/seal bob read me with openssl")
        let line = try #require(await bob.next("SEALED ", timeout: 20))
        #expect(line.hasPrefix("SEALED alice: "))
        let opened = try pki.shell(
            """
            base64 -d | openssl cms -decrypt -binary -inform DER -recip client-bob.crt -inkey client-bob.key |
                openssl cms -verify -binary -inform DER -CAfile ca.crt
            """,
            input: String(line.dropFirst("SEALED alice: ".count))
        )
        #expect(opened.contains("From: alice\nTo: bob\nDate: "))
        #expect(opened.hasSuffix("\n\nread me with openssl\n"))
        _ = carolPair

        // carol, with nothing but openssl and s_client, seals one to alice by hand.
        let date = ISO8601DateFormatter().string(from: Date())
        let sealed = try pki.shell(
            """
            printf 'From: carol\\nTo: alice\\nDate: \(date)\\n\\nby hand\\n' |
                openssl cms -sign -binary -nodetach -signer client-carol.crt -inkey client-carol.key -outform DER |
                openssl cms -encrypt -binary -aes-256-gcm -recip client-alice.crt -keyopt ecdh_kdf_md:sha256 \\
                    -outform DER | base64 -w0
            """
        )
        let carol = try server.connect(certificate: carolPair)
        #expect(await carol.next("WELCOME carol ") != nil)
        carol.send("seal alice \(sealed)")
        #expect(await carol.next("OK ") == "OK delivered to alice")
        #expect(
            await alice.next(timeout: 20) { $0.contains("[sealed") }?.hasPrefix("[sealed, verified] carol: by hand")
                == true
        )
    }

    @Test func whoCannotSealIsToldWhyAndAChangedKeyIsFlaggedUntilAccepted() async throws {
        let pki = try TestPKI.make()
        let alicePair = try pki.client("alice")
        let bobPair = try pki.client("bob")
        let server = try await server(pki)
        try await server.register("dora", password: "dora-password")
        let alice = try await client(of: server, "alice", certificate: alicePair)

        // A guest: the client says why before sending anything, and the server refuses a hand-made one too.
        let guest = try await client(of: server, "gus")
        guest.send("/seal alice hi")
        #expect(await guest.errorLine { $0.contains("sealed messages need a client certificate") } != nil)
        let raw = try await server.login("raw")
        raw.send("seal alice MAMCAQc=")
        #expect(
            await raw.next("ERROR ")?.hasPrefix("ERROR not-allowed sealed messages are signed with a client") == true
        )
        raw.send("seal alice not-base64")
        #expect(
            await raw.next("ERROR ") == "ERROR usage seal <user> <sealed message> (the sealed message is not base64)"
        )
        raw.send("cert nobody")
        #expect(await raw.next("ERROR ") == "ERROR unknown-user there is no user called nobody")

        // A password user has no certificate to seal to.
        alice.send("/seal dora hi")
        #expect(await alice.next(timeout: 20) { $0.hasPrefix("error: ") }?.contains("(no-certificate)") == true)
        #expect(await alice.errorLine { $0 == "not sent: the message to dora was not sealed" } != nil)

        // bob's first certificate is remembered; a new key for bob is refused until alice accepts it.
        let bob = try await client(of: server, "bob", certificate: bobPair)
        alice.send("/seal bob first")
        #expect(
            await bob.next(timeout: 20) { $0.contains("[sealed") }?.hasPrefix("[sealed, verified] alice: first") == true
        )
        // `/keys` shows the key as docs/SEALED.md computes it from the certificate, to compare out of band.
        let computed = try pki.shell(
            "openssl x509 -noout -pubkey -in client-bob.crt | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        alice.send("/keys bob")
        #expect(await alice.errorLine { $0 == "bob: SHA-256 \(computed)" } != nil, "\(computed): \(alice.errorLines)")
        #expect(alice.errorLines.contains { $0.hasPrefix("your key (alice): SHA-256 ") })
        bob.send("/tata")
        #expect(await bob.waitForExit(timeout: 15) == 0)
        let renewed = try pki.client("bob")
        let newBob = try await client(of: server, "bob", certificate: renewed)
        alice.send("/seal bob second")
        #expect(await alice.errorLine { $0.contains("bob's certificate has a NEW KEY") } != nil, "\(alice.errorLines)")
        alice.send("/accept bob")
        #expect(await alice.errorLine { $0.contains("bob's key SHA-256 ") && $0.contains("is accepted") } != nil)
        alice.send("/seal bob third")
        #expect(
            await newBob.next(timeout: 20) { $0.contains("[sealed") }?.hasPrefix("[sealed, verified] alice: third")
                == true
        )
        #expect(!newBob.lines.contains { $0.contains("second") }, "nothing was sealed to the unaccepted key")
    }

    @Test func aKeyFromAnotherCAIsFlaggedButNeverOfferedForAcceptance() async throws {
        let pki = try TestPKI.make()
        let alicePair = try pki.client("alice")
        let bobPair = try pki.client("bob")
        let malloryPair = try pki.client("mallory")
        let server = try await server(pki)
        let bob = try await client(of: server, "bob", certificate: bobPair)
        let alice = try await client(of: server, "alice", certificate: alicePair)
        alice.send("/seal bob the real alice")
        #expect(await bob.next(timeout: 20) { $0.contains("[sealed") }?.contains("[sealed, verified]") == true)

        // mallory seals to bob a message signed by a certificate for "alice" from a CA of mallory's own.
        let sealed = try pki.shell(
            """
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout fake.key -out fake.crt \
                -subj /CN=alice -days 2 -addext keyUsage=critical,digitalSignature,keyAgreement \
                -addext extendedKeyUsage=clientAuth,emailProtection 2>/dev/null
            printf 'From: alice\\nTo: bob\\nDate: %s\\n\\nthe fake alice\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" |
                openssl cms -sign -binary -nodetach -signer fake.crt -inkey fake.key -outform DER |
                openssl cms -encrypt -binary -aes-256-gcm -recip client-bob.crt -keyopt ecdh_kdf_md:sha256 \
                    -outform DER | base64 -w0
            """
        )
        let mallory = try server.connect(certificate: malloryPair)
        #expect(await mallory.next("WELCOME ") != nil)
        mallory.send("seal bob \(sealed)")
        #expect(await mallory.next("OK ") == "OK delivered to bob")
        let shown = await bob.next(timeout: 20) { $0.contains("[sealed") } ?? ""
        #expect(shown.hasPrefix("[sealed, NOT VERIFIED: "), "\(shown)")
        #expect(shown.contains("it is not signed with the key you know for alice"))
        #expect(!shown.contains("/accept"))
        bob.send("/accept alice")
        #expect(await bob.errorLine { $0.hasPrefix("no new key of alice to accept") } != nil, "\(bob.errorLines)")
    }

    @Test func aSealedLineMayBeLongerThanOtherLines() async throws {
        let pki = try TestPKI.make()
        let server = try await server(pki)
        let raw = try await server.login("raw")
        raw.send("say " + String(repeating: "x", count: 5000))
        #expect(await raw.next("ERROR ")?.hasPrefix("ERROR line-too-long") == true)
        // A well-formed sealed message of 9000 base64 bytes passes the length check (and is refused for its sender).
        // (Zeros: base64 "AAAA…", since `s_client -no_ign_eof` quits when a read from its stdin starts with "Q".)
        let der = [0x30, 0x82, 0x1A, 0x5F] + [UInt8](repeating: 0, count: 0x1A5F)
        raw.send("seal raw2 " + Data(der).base64EncodedString())
        let refusal = await raw.next("ERROR ")
        #expect(refusal?.hasPrefix("ERROR not-allowed sealed messages") == true, "\(refusal ?? "none"): \(raw.lines)")
    }
}
