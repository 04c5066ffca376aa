import Foundation
import Testing

/// The real `securechat-client` binary against the real server: in a pseudo-terminal (tmux), scripted through
/// pipes, with a client certificate, and refusing servers it must not trust.
@Suite(.timeLimit(.minutes(2)))
struct ClientTests {
    static let client = ServerProcess.executable("securechat-client")

    /// Starts the client with its stdin and stdout on pipes (scripted mode).
    private func scriptedClient(_ arguments: [String]) throws -> LineProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        return try LineProcess(name: "client", executable: Self.client, arguments: arguments, environment: environment)
    }

    /// A scripted client of `server` that trusts its CA and logs in as `name`.
    private func scriptedClient(of server: ServerProcess, name: String, _ extra: [String] = []) throws -> LineProcess {
        try scriptedClient(
            ["127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate, "--name", name] + extra
        )
    }

    @Test(SystemPackage.tmux.required) func interactiveInputSurvivesIncomingMessagesInAPseudoTerminal() async throws {
        let server = try await ServerProcess.start()
        let tmux = try TmuxSession([
            Self.client, "127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate, "--name", "carol",
        ])
        defer { tmux.kill() }

        let loggedIn = await tmux.waitForScreen { $0.last == "carol>" }
        #expect(loggedIn?.contains { $0.contains("Logged in as carol.") } == true, "screen: \(tmux.screen())")
        #expect(loggedIn?.contains { $0.contains("TLSv1.") && $0.contains("no client certificate") } == true)

        let dave = try await server.login("dave")
        #expect(await tmux.waitForScreen { $0.contains("* dave joined the conversation") } != nil)

        tmux.type("hello wor")
        #expect(await tmux.waitForScreen { $0.last == "carol> hello wor" } != nil, "screen: \(tmux.screen())")

        dave.send("hi carol 日本")
        let screen = await tmux.waitForScreen { $0.contains("dave: hi carol 日本") }
        #expect(screen?.last == "carol> hello wor", "screen: \(tmux.screen())")
        if let screen, let message = screen.firstIndex(of: "dave: hi carol 日本") {
            #expect(message < screen.count - 1, "the message is printed above the prompt row")
        }
        #expect(tmux.cursorColumn() == "carol> hello wor".count)

        tmux.type("ld")
        tmux.press("Enter")
        #expect(await dave.next("CHAT ") == "CHAT carol: hello world")
        #expect(await tmux.waitForScreen { $0.last == "carol>" && $0.contains("carol> hello world") } != nil)

        tmux.press("C-d")
        #expect(await dave.next("NOTICE ") == "NOTICE carol left the conversation")
        #expect(await tmux.waitForScreen { $0.contains("DISCONNECTED!!") } != nil, "screen: \(tmux.screen())")
    }

    @Test func scriptedModeSendsStdinAndExitsAfterTheAnswers() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let bob = try scriptedClient([
            "127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate, "--name", "bob",
        ])
        bob.send("/whoelse")
        bob.send("hello from bob")
        bob.send("/send nobody hi")
        bob.closeInput()

        #expect(await bob.waitForExit(timeout: 15) == 0, "stderr: \(bob.errorLines)")
        #expect(
            bob.lines == [
                "Logged in as bob. Welcome to chat room. Enter 'tata' anytime to exit",
                "  alice",
                "1 other user online",
                "error: there is no user called nobody (unknown-user)",
                "DISCONNECTED!!",
            ]
        )
        #expect(await alice.next("CHAT ") == "CHAT bob: hello from bob")
        #expect(bob.errorLines.contains { $0.hasPrefix("connected to 127.0.0.1:\(server.port)") })
    }

    /// A session that drops after login is a lost connection, not a failed handshake.
    @Test func aServerThatDiesMidSessionIsReportedAsALostConnection() async throws {
        let server = try await ServerProcess.start()
        let bob = try scriptedClient([
            "127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate, "--name", "bob",
        ])
        bob.send("/whoelse")
        #expect(await bob.next { $0.contains("other users online") } != nil, "stderr: \(bob.errorLines)")
        _ = await server.stop(SIGKILL)
        let lost = await bob.errorLine { $0.contains("connection lost") }
        #expect(lost != nil, "stderr: \(bob.errorLines)")
        #expect(lost?.contains("handshake") == false, "stderr: \(bob.errorLines)")
        bob.closeInput()
        _ = await bob.waitForExit(timeout: 15)
    }

    @Test func aClientCertificateLogsInWithoutAName() async throws {
        let pki = try TestPKI.make()
        let certificate = try pki.client("alice")
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let alice = try scriptedClient([
            "127.0.0.1", "--port", "\(server.port)", "--ca", pki.caCertificate,
            "--cert", certificate.cert, "--key", certificate.key,
        ])
        alice.send("/whoelse")
        alice.closeInput()

        #expect(await alice.waitForExit(timeout: 15) == 0, "stderr: \(alice.errorLines)")
        #expect(alice.lines.first?.hasPrefix("Logged in as alice.") == true, "stdout: \(alice.lines)")
        #expect(alice.lines.contains("0 other users online"), "stdout: \(alice.lines)")
        #expect(
            alice.errorLines.contains { $0.contains("client certificate sent (client-alice.crt)") },
            "stderr: \(alice.errorLines)"
        )
    }

    /// Point 9 of issue 20: a server with client authentication off never asks for the certificate, so the client
    /// must not claim to have used it.
    @Test func aCertificateTheServerDidNotAskForIsNotClaimed() async throws {
        let server = try await ServerProcess.start()
        let certificate = try server.pki.client("alice")
        let client = try scriptedClient(
            of: server,
            name: "bob",
            ["--cert", certificate.cert, "--key", certificate.key]
        )
        client.closeInput()

        #expect(await client.waitForExit(timeout: 15) == 0, "stderr: \(client.errorLines)")
        #expect(client.lines.first?.hasPrefix("Logged in as bob.") == true, "stdout: \(client.lines)")
        let connected = client.errorLines.first { $0.hasPrefix("connected to ") } ?? ""
        #expect(!connected.contains("client certificate used") && !connected.contains("client certificate sent"))
        #expect(
            connected.hasSuffix("client certificate not sent: the server did not ask for one (client-alice.crt)"),
            "stderr: \(client.errorLines)"
        )
    }

    /// Point 8 of issue 20: the end of piped input is a proper goodbye, not a dropped connection.
    @Test func aPipedClientSaysGoodbyeAtTheEndOfItsInput() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let bob = try scriptedClient(of: server, name: "bob")
        bob.send("hello")
        bob.closeInput()

        #expect(await bob.waitForExit(timeout: 15) == 0, "stderr: \(bob.errorLines)")
        let left = await alice.next { $0.hasPrefix("NOTICE bob left") }
        #expect(left == "NOTICE bob left the conversation", "alice saw: \(alice.lines)")
        #expect(bob.lines.last == "DISCONNECTED!!", "stdout: \(bob.lines)")
    }

    /// More piped lines than the server's default rate limit lets through at once: the client paces them, so every
    /// one arrives, and its closing `ping` and `tata` are not refused either.
    @Test func pipedLinesArePacedUnderTheServersDefaultRateLimit() async throws {
        let server = try await ServerProcess.start(
            limits: ["--max-new-connections-per-minute", "100000", "--max-connections-per-ip", "10000"]
        )
        let alice = try await server.login("alice")
        let bob = try scriptedClient(of: server, name: "bob")
        let sent = (1...30).map { "line \($0)" }
        for line in sent {
            bob.send(line)
        }
        bob.closeInput()

        #expect(await bob.waitForExit(timeout: 60) == 0, "stderr: \(bob.errorLines)")
        #expect(!bob.lines.contains { $0.contains("rate-limited") }, "stdout: \(bob.lines)")
        var received: [String] = []
        while received.count < sent.count, let chat = await alice.next("CHAT bob: ") {
            received.append(String(chat.dropFirst("CHAT bob: ".count)))
        }
        #expect(received == sent, "alice saw: \(alice.lines)")
        let left = await alice.next { $0.hasPrefix("NOTICE bob left") }
        #expect(left == "NOTICE bob left the conversation", "alice saw: \(alice.lines)")
    }

    /// `tata` or `/quit` at a login prompt is leaving on purpose, not a failed login.
    @Test func leavingAtTheUsernamePromptIsNoFailure() async throws {
        let server = try await ServerProcess.start()
        for leave in ["tata", "/quit"] {
            let client = try scriptedClient(["127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate])
            client.send(leave)
            client.closeInput()
            #expect(await client.waitForExit(timeout: 15) == 0, "\(leave): stderr: \(client.errorLines)")
            #expect(client.lines.last == "DISCONNECTED!!", "\(leave): stdout: \(client.lines)")
            #expect(!client.errorLines.contains { $0.hasPrefix("error:") }, "\(leave): stderr: \(client.errorLines)")
        }
    }

    /// Points 6 and 10 of issue 20, piped: a line that only starts with `tata` is chat and the session goes on; an
    /// over-long line is refused by the client with the limit, and the next command still works.
    @Test func aChatLineStartingWithTataAndAnOverlongLineDoNotEndTheSession() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let bob = try scriptedClient(of: server, name: "bob")
        bob.send("tata for now")
        bob.send(String(repeating: "x", count: 5000))
        bob.send("/whoelse")
        bob.closeInput()

        #expect(await bob.waitForExit(timeout: 15) == 0, "stderr: \(bob.errorLines)")
        #expect(bob.lines.contains("1 other user online"), "stdout: \(bob.lines)")
        #expect(!bob.lines.contains { $0.contains("xxxxxxxxxx") || $0.hasPrefix("error:") }, "stdout: \(bob.lines)")
        #expect(
            // Measured as typed before WELCOME, as sent (with `say `) after it: either way it is refused.
            bob.errorLines.contains {
                $0.hasPrefix("not sent: the line has 5000 bytes") && $0.hasSuffix("over the limit of 4096")
            },
            "stderr: \(bob.errorLines)"
        )
        let chat = await alice.next("CHAT ")
        #expect(chat?.hasPrefix("CHAT bob: ") == true && chat?.hasSuffix("tata for now") == true, "\(alice.lines)")
        let left = await alice.next { $0.hasPrefix("NOTICE bob left") }
        #expect(left == "NOTICE bob left the conversation", "alice saw: \(alice.lines)")
        #expect(!alice.lines.contains { $0.contains("xxxxxxxxxx") })
    }

    /// Points 6, 7 and 10 of issue 20 at a terminal: `tata for now` is chat, slash commands work, an over-long line
    /// and an unknown command are refused with a reason and not echoed, and `/quit <reason>` leaves.
    @Test(SystemPackage.tmux.required) func slashCommandsChatAndOverlongLinesAtATerminal() async throws {
        let server = try await ServerProcess.start()
        let tmux = try TmuxSession([
            Self.client, "127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate, "--name", "carol",
        ])
        defer { tmux.kill() }
        #expect(await tmux.waitForScreen { $0.last == "carol>" } != nil, "screen: \(tmux.screen())")
        let dave = try await server.login("dave")
        #expect(await tmux.waitForScreen { $0.contains("* dave joined the conversation") } != nil)

        tmux.type("tata for now")
        tmux.press("Enter")
        let chat = await dave.next("CHAT ")
        #expect(chat?.hasPrefix("CHAT carol: ") == true && chat?.hasSuffix("tata for now") == true, "\(dave.lines)")

        // 1400 three-byte characters: over the limit in bytes, and short enough that an echo would stay on screen.
        tmux.type(String(repeating: "€", count: 1400))
        tmux.press("Enter")
        let refused = await tmux.waitForScreen {
            $0.contains { $0.contains("not sent: the line has 4200 bytes, 4204 as sent, over the limit of 4096") }
        }
        #expect(refused != nil, "screen: \(tmux.screen())")
        #expect(refused?.contains { $0.contains("carol> €€€€€€€€€€") } == false, "not echoed: \(tmux.screen())")

        tmux.type("/whoelse")
        tmux.press("Enter")
        #expect(await tmux.waitForScreen { $0.contains("1 other user online") } != nil, "screen: \(tmux.screen())")

        tmux.type("/frobnicate")
        tmux.press("Enter")
        let unknown = await tmux.waitForScreen { $0.contains { $0.contains("unknown command /frobnicate") } }
        #expect(unknown?.contains { $0.contains("carol> /frobnicate") } == false, "not echoed: \(tmux.screen())")

        tmux.type("/quit see you later")
        tmux.press("Enter")
        #expect(await dave.next("NOTICE ") == "NOTICE carol left the conversation")
        #expect(!dave.lines.contains { $0.contains("€€€€€€€€€€") || $0.contains("frobnicate") })
    }

    /// Point 1 of issue 20, the client's side: after showing an `inbox` answer the client acknowledges it with
    /// `read <highest id>` (quietly), so the next run finds the inbox empty. Needs the server's new `INBOX` form.
    @Test func theClientAcknowledgesTheInboxItShowed() async throws {
        let server = try await ServerProcess.start()
        try await server.register("dora", password: "dora-password")
        let eve = try await server.login("eve")
        eve.send("send dora first note")
        eve.send("send dora second note")
        #expect(await eve.answer().last?.hasPrefix("OK queued") == true)
        #expect(await eve.answer().last?.hasPrefix("OK queued") == true)

        func readInbox() async throws -> LineProcess {
            let dora = try scriptedClient(["127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate])
            dora.send("dora")
            dora.send("dora-password")
            dora.send("/inbox")
            dora.closeInput()
            #expect(await dora.waitForExit(timeout: 15) == 0, "stderr: \(dora.errorLines)")
            return dora
        }
        let first = try await readInbox()
        // The password prompt is shown without its kind word (`PROMPT password …`), and answered by the next line.
        #expect(first.lines.contains("Enter password for dora:"), "stdout: \(first.lines)")
        let shown = first.lines.filter { $0.hasPrefix("[inbox #") }
        #expect(shown.count == 2, "stdout: \(first.lines)")
        #expect(shown.first?.hasSuffix("[private] eve: first note") == true, "stdout: \(first.lines)")
        #expect(!first.lines.contains("2 messages marked read"), "the acknowledgement is quiet: \(first.lines)")
        // The server's hints name this client's commands, and no line asks the user to `read` by hand.
        #expect(first.lines.contains("2 new messages shown and marked read"), "stdout: \(first.lines)")
        #expect(
            first.lines.contains("* you have 2 unread messages; type '/inbox' to read them"),
            "stdout: \(first.lines)"
        )
        #expect(!first.lines.contains { $0.contains("'read'") || $0.contains("'inbox'") }, "stdout: \(first.lines)")

        let second = try await readInbox()
        #expect(!second.lines.contains { $0.hasPrefix("[inbox") }, "stdout: \(second.lines)")
        #expect(second.lines.contains { $0.hasPrefix("0 messages") }, "stdout: \(second.lines)")
    }

    /// Review of issue 20: a leading space does not turn a command (here a password) into chat, and `/quit <reason>`
    /// leaves at once like `/quit`: what follows it is never sent.
    @Test func aLeadingSpaceKeepsACommandAndQuitWithAReasonLeaves() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let bob = try scriptedClient(of: server, name: "bob")
        bob.send(" /register hunter2222")
        bob.send("/quit gone fishing")
        bob.send("still here")
        bob.closeInput()

        #expect(await bob.waitForExit(timeout: 15) == 0, "stderr: \(bob.errorLines)")
        #expect(!bob.lines.contains { $0.hasPrefix("error:") }, "stdout: \(bob.lines)")
        let left = await alice.next { $0.hasPrefix("NOTICE bob left") }
        #expect(left == "NOTICE bob left the conversation", "alice saw: \(alice.lines)")
        #expect(!alice.lines.contains { $0.contains("hunter2222") || $0.contains("still here") }, "\(alice.lines)")
        #expect(bob.lines.contains { $0.hasPrefix("bob is registered") }, "stdout: \(bob.lines)")
        _ = try await server.login("bob", password: "hunter2222")
    }

    /// Review of issue 20: while a `--reconnect` client waits to reconnect, `/quit` leaves at once instead of
    /// waiting in the queue for a server that may never come back.
    @Test func quitWhileWaitingToReconnectLeavesAtOnce() async throws {
        let server = try await ServerProcess.start()
        let bob = try scriptedClient(of: server, name: "bob", ["--reconnect"])
        bob.send("/whoelse")
        #expect(await bob.next { $0.contains("other users online") } != nil, "stderr: \(bob.errorLines)")
        _ = await server.stop(SIGKILL)
        #expect(await bob.errorLine { $0.contains("reconnecting in") } != nil, "stderr: \(bob.errorLines)")
        bob.send("/quit")
        // The end of input changes nothing while waiting (a piped client leaves only once connected): `/quit` must.
        bob.closeInput()
        #expect(await bob.waitForExit(timeout: 15) == 0, "stdout: \(bob.lines) stderr: \(bob.errorLines)")
    }

    /// Review of issue 20: a drop at the password prompt shows input again (a half-typed password is cleared, not
    /// revealed), and what is typed while disconnected is discarded with a note, never queued as chat.
    @Test(SystemPackage.tmux.required) func aDropAtThePasswordPromptDiscardsWhatIsTypedAfterIt() async throws {
        let server = try await ServerProcess.start()
        try await server.register("carol", password: "carol-password")
        let tmux = try TmuxSession([
            Self.client, "127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate, "--reconnect",
        ])
        defer { tmux.kill() }
        #expect(await tmux.waitForScreen { $0.last == "Enter username:" } != nil, "screen: \(tmux.screen())")
        tmux.type("carol")
        tmux.press("Enter")
        #expect(await tmux.waitForScreen { $0.last == "Enter password for carol:" } != nil, "\(tmux.screen())")
        tmux.type("half-typed")
        _ = await server.stop(SIGKILL)
        let waiting = await tmux.waitForScreen { $0.contains { $0.contains("reconnecting in") } }
        #expect(waiting != nil, "screen: \(tmux.screen())")
        tmux.type("carol-password")
        tmux.press("Enter")
        let noted = await tmux.waitForScreen {
            $0.contains { $0.contains("not sent: the connection was lost before login finished") }
        }
        #expect(noted != nil, "screen: \(tmux.screen())")
        #expect(!tmux.screen().contains { $0.contains("half-typed") || $0.contains("carol-password") })
    }

    /// Review of issue 20: when the closing `ping` goes unanswered (a server that logs in but then stays silent,
    /// here `openssl s_server`), the piped client still says `tata` before it gives up, and exits 1. Waits out the
    /// client's 30 s drain timeout.
    @Test func aPipedClientWhoseClosingPingTimesOutStillSaysTataAndFails() async throws {
        let pki = try TestPKI.make()
        let server = try LineProcess(
            name: "s_server",
            executable: "/usr/bin/openssl",
            arguments: ["s_server", "-accept", "127.0.0.1:0", "-cert", pki.serverCertificate, "-key", pki.serverKey]
        )
        defer { server.signal(SIGKILL) }
        let accept = await server.next("ACCEPT ", timeout: 30)  // as long as ServerProcess.start waits
        let port = try #require(accept?.split(separator: ":").last.flatMap { Int($0) }, "s_server: \(server.lines)")
        let bob = try scriptedClient(["127.0.0.1", "--port", "\(port)", "--ca", pki.caCertificate, "--name", "bob"])
        #expect(await bob.errorLine { $0.hasPrefix("connected to ") } != nil, "stderr: \(bob.errorLines)")
        server.send("WELCOME bob Welcome")
        #expect(await bob.next { $0.hasPrefix("Logged in as bob.") } != nil, "stdout: \(bob.lines)")
        bob.closeInput()
        #expect(await server.next { $0 == "ping" } != nil, "s_server: \(server.lines)")
        #expect(await server.next(timeout: 45) { $0 == "tata" } != nil, "s_server: \(server.lines)")
        server.send("BYE DISCONNECTED!!")
        #expect(await bob.waitForExit(timeout: 15) == 1, "stderr: \(bob.errorLines)")
        #expect(bob.errorLines.contains { $0.contains("did not answer the last commands in time") })
    }

    @Test func aServerSignedByAnUnknownCAIsRefusedWithAReason() async throws {
        let server = try await ServerProcess.start()
        let otherPKI = try TestPKI.makeWithOwnAuthority()
        let client = try scriptedClient([
            "127.0.0.1", "--port", "\(server.port)", "--ca", otherPKI.caCertificate, "--name", "bob",
        ])
        client.closeInput()

        let status = await client.waitForExit(timeout: 15)
        #expect(status != nil && status != 0)
        #expect(client.lines.isEmpty)
        let reason = client.errorLines.joined(separator: "\n")
        #expect(reason.contains("unknown certificate authority"), "stderr: \(reason)")
        #expect(!reason.contains("error:0"), "no OpenSSL error codes: \(reason)")
    }

    @Test func aChangedCertificateFingerprintIsRefusedLoudly() async throws {
        let server = try await ServerProcess.start()
        let knownHosts = server.pki.path("known_hosts")
        let wrong = Array(repeating: "AB", count: 32).joined(separator: ":")
        let contents = "127.0.0.1:\(server.port) \(wrong)\n"
        try contents.write(toFile: knownHosts, atomically: true, encoding: .utf8)

        let client = try scriptedClient([
            "127.0.0.1", "--port", "\(server.port)", "--known-hosts", knownHosts, "--name", "bob",
        ])
        client.closeInput()

        let status = await client.waitForExit(timeout: 15)
        #expect(status != nil && status != 0)
        #expect(client.lines.isEmpty)
        let warning = client.errorLines.joined(separator: "\n")
        #expect(warning.contains("WARNING: THE SERVER'S CERTIFICATE HAS CHANGED!"), "stderr: \(warning)")
        #expect(warning.contains(wrong))
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == contents)
    }

    @Test func aRememberedFingerprintIsTrustedWithoutACA() async throws {
        let server = try await ServerProcess.start()
        let knownHosts = server.pki.path("known_hosts")

        // Not remembered yet, and nobody to ask: refused, showing the fingerprint.
        let first = try scriptedClient(["127.0.0.1", "--port", "\(server.port)", "--known-hosts", knownHosts])
        first.closeInput()
        #expect(await first.waitForExit(timeout: 15) == 1)
        let refusal = first.errorLines.joined(separator: "\n")
        let fingerprint = try serverFingerprint(server.pki)
        #expect(refusal.contains(fingerprint), "stderr: \(refusal)")

        try "127.0.0.1:\(server.port) \(fingerprint)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let second = try scriptedClient([
            "127.0.0.1", "--port", "\(server.port)", "--known-hosts", knownHosts, "--name", "erin",
        ])
        second.closeInput()
        #expect(await second.waitForExit(timeout: 15) == 0, "stderr: \(second.errorLines)")
        #expect(second.lines.first?.hasPrefix("Logged in as erin.") == true)
        #expect(second.errorLines.contains { $0.contains("matches known_hosts") })
    }

    @Test func insecureConnectsWithAWarning() async throws {
        let server = try await ServerProcess.start()
        let client = try scriptedClient(["127.0.0.1", "--port", "\(server.port)", "--insecure", "--name", "fay"])
        client.closeInput()
        #expect(await client.waitForExit(timeout: 15) == 0, "stderr: \(client.errorLines)")
        #expect(client.errorLines.contains { $0.contains("WARNING: --insecure") })
        #expect(client.lines.first?.hasPrefix("Logged in as fay.") == true)
    }

    @Test func aServerRequiringACertificateSaysSo() async throws {
        let clientCA = try TestPKI.makeWithOwnAuthority()
        let server = try await ServerProcess.start(
            extraArguments: ["--client-auth", "required", "--ca", clientCA.caCertificate]
        )
        let client = try scriptedClient(["127.0.0.1", "--port", "\(server.port)", "--ca", server.pki.caCertificate])
        client.closeInput()
        #expect(await client.waitForExit(timeout: 15) == 1)
        let reason = client.errorLines.joined(separator: "\n")
        #expect(reason.contains("requires a client certificate"), "stderr: \(reason)")
        withExtendedLifetime(clientCA) {}
    }

    /// The server certificate's SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it.
    private func serverFingerprint(_ pki: TestPKI) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["x509", "-noout", "-fingerprint", "-sha256", "-in", pki.serverCertificate]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(output.split(separator: "=", maxSplits: 1).last ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines
        )
    }
}
