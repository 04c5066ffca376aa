import Foundation
import PostgresTestSupport
import Testing

/// Three real servers started with `--cluster` on one real PostgreSQL, with `openssl s_client` users spread over
/// them: one chat, and what users see when a node dies, is paused past its lease, or when names race.
@Suite(.timeLimit(.minutes(3)), TestPostgres.required)
struct ClusterTests {
    /// `count` nodes on one new database, with one certificate authority (a client trusts every node).
    private static func nodes(
        _ count: Int,
        lease: Int = 10,
        on url: String? = nil,
        pki given: TestPKI? = nil,
        extraArguments: [String] = []
    ) async throws -> [ServerProcess] {
        let pki = try given ?? TestPKI.make()
        let database: String
        if let url { database = url } else { database = try await TestPostgres.newDatabase() }
        var nodes: [ServerProcess] = []
        for _ in 0..<count {
            nodes.append(
                try await ServerProcess.start(
                    pki: pki,
                    databasePath: database,
                    extraArguments: ["--cluster", "--cluster-lease", "\(lease)"] + extraArguments
                )
            )
        }
        return nodes
    }

    @Test func threeNodesAreOneChat() async throws {
        let nodes = try await Self.nodes(3)
        try await nodes[0].register("dave", password: "pass-dave-123")
        let alice = try await nodes[0].login("alice")
        let bob = try await nodes[1].login("bob")
        #expect(await alice.next("NOTICE ") == "NOTICE bob joined the conversation")
        let carol = try await nodes[2].login("carol")
        #expect(await alice.next("NOTICE ") == "NOTICE carol joined the conversation")
        #expect(await bob.next("NOTICE ") == "NOTICE carol joined the conversation")

        alice.send("hello from node one")
        #expect(await bob.next("CHAT ") == "CHAT alice: hello from node one")
        #expect(await carol.next("CHAT ") == "CHAT alice: hello from node one")
        for number in 1...20 { carol.send("line \(number)") }
        for number in 1...20 {
            #expect(await alice.next("CHAT ") == "CHAT carol: line \(number)", "each line once, in carol's order")
        }
        for number in 1...20 { #expect(await bob.next("CHAT ") == "CHAT carol: line \(number)") }

        bob.send("whoelse")
        #expect(await bob.answer() == ["USER alice", "USER carol", "OK 2 other users online"])

        bob.send("send carol psst")
        #expect(await bob.answer() == ["OK delivered to carol"])
        #expect(await carol.next("PRIVATE ") == "PRIVATE bob: psst")
        bob.send("send dave see you")
        #expect(await bob.answer().last?.hasPrefix("OK queued for dave") == true)
        bob.send("broadcast message to all")
        #expect(await bob.answer() == ["OK broadcast to 2 users"])
        #expect(await alice.next("BROADCAST ") == "BROADCAST bob: to all")

        // A guest's blocks hold on other nodes too: for a private message, and for chat lines.
        carol.send("block alice")
        #expect(await carol.answer().last == "OK blocked alice")
        alice.send("send carol hi")
        #expect(await alice.answer().last?.hasPrefix("ERROR blocked") == true)
        alice.send("not for carol")
        #expect(await bob.next("CHAT ") == "CHAT alice: not for carol")
        bob.send("for carol")
        #expect(await carol.next("CHAT ") == "CHAT bob: for carol", "nothing of alice's in between")

        // A name online on one node is taken on every other.
        let again = try nodes[2].connect()
        #expect(await again.next("PROMPT Enter username:") != nil)
        again.send("ALICE")
        #expect(await again.next("ERROR ")?.hasPrefix("ERROR name-taken") == true)

        carol.send("tata")
        #expect(await alice.next("NOTICE ") == "NOTICE carol left the conversation")
        #expect(await bob.next("NOTICE ") == "NOTICE carol left the conversation")

        // Registered on node 1, logged in on node 3: the same identity, inbox and history everywhere.
        let dave = try await nodes[2].login("dave", password: "pass-dave-123")
        #expect(await alice.next("NOTICE ") == "NOTICE dave joined the conversation")
        dave.send("inbox")
        #expect(
            await dave.answer().contains { $0.hasPrefix("INBOX ") && $0.contains("bob") && $0.hasSuffix("see you") }
        )
        bob.send("broadcast user alice dave nobody message to two")
        let delivered = await bob.answer()
        #expect(delivered.last == "OK 2 delivered, 0 queued, 1 failed", "\(delivered)")
        #expect(await dave.next("BROADCAST ") == "BROADCAST bob to alice,dave: to two")
        #expect(await alice.next("BROADCAST ") == "BROADCAST bob to alice,dave: to two")
        dave.send("history 5")
        #expect(await dave.answer().contains { $0.hasPrefix("HISTORY ") && $0.hasSuffix("to two") })
        dave.send("wholast 5")
        #expect(await dave.answer().contains { $0.hasPrefix("USER carol") })
        dave.send("block bob")
        #expect(await dave.answer().last == "OK blocked bob")
        bob.send("send dave anyone there?")
        #expect(await bob.answer().last?.hasPrefix("ERROR blocked") == true)
        dave.send("blocked")
        #expect(await dave.answer() == ["USER bob", "OK 1 blocked user"])
        dave.send("unblock bob")
        #expect(await dave.answer().last == "OK unblocked bob")
        bob.send("send dave anyone there?")
        #expect(await bob.answer().last == "OK delivered to dave")
        #expect(await dave.next("PRIVATE ") == "PRIVATE bob: anyone there?")
    }

    /// The operator asks either node: `who` lists everyone with their node, and `kick` removes a user on the other
    /// node through it.
    @Test func theControlSocketOfOneNodeSeesAndRemovesUsersOfTheOther() async throws {
        let pki = try TestPKI.make()
        let socket = pki.path("node1.sock")
        let database = try await TestPostgres.newDatabase()
        let one = try await ServerProcess.start(
            pki: pki,
            databasePath: database,
            extraArguments: ["--cluster", "--control-socket", socket]
        )
        let two = try await ServerProcess.start(pki: pki, databasePath: database, extraArguments: ["--cluster"])
        let alice = try await one.login("alice")
        let bob = try await two.login("bob")
        #expect(await alice.next("NOTICE ") == "NOTICE bob joined the conversation")
        let ctl = ServerProcess.executable("securechat-ctl")

        let who = try await SetupTests.run(ctl, ["--socket", socket, "who"])
        let lines = who.output.split(separator: "\n")
        let aliceLine = lines.first { $0.hasPrefix("user alice ") }
        let bobLine = lines.first { $0.hasPrefix("user bob ") }
        #expect(aliceLine?.contains("address=127.0.0.1:") == true, "\(who.output)")
        #expect(bobLine != nil && bobLine?.contains("address=") == false, "\(who.output)")
        #expect(bobLine?.contains(" since=") == true, "the login time of a user on another node: \(who.output)")
        #expect(aliceLine?.split(separator: " ")[2] != bobLine?.split(separator: " ")[2], "different nodes")

        let kick = try await SetupTests.run(ctl, ["--socket", socket, "kick", "bob", "off you go"])
        #expect(kick.status == 0, "\(kick.output)")
        #expect(kick.output.contains("forwarded bob"))
        #expect(await bob.next("NOTICE ") == "NOTICE you have been removed by the server's operator: off you go")
        #expect(await bob.next("BYE ") != nil)
        #expect(
            await alice.next { $0.hasPrefix("NOTICE bob") }
                == "NOTICE bob left the conversation (removed by the server's operator)"
        )
        #expect(await two.process.errorLine { $0.contains("at the request of another node's operator") } != nil)
        let again = try await SetupTests.run(ctl, ["--socket", socket, "kick", "bob"])
        #expect(again.status == 1)
        #expect(again.output.contains("bob is not online"))
    }

    @Test func aKilledNodesUsersLeaveEverywhereAndTheirNamesAreFreeWithinTheLease() async throws {
        let nodes = try await Self.nodes(2, lease: 4)
        let alice = try await nodes[0].login("alice")
        _ = try await nodes[1].login("bob")
        #expect(await alice.next("NOTICE ") == "NOTICE bob joined the conversation")
        let killed = ContinuousClock.now
        await nodes[1].stop(SIGKILL)
        #expect(await alice.next("NOTICE ", timeout: 20) == "NOTICE bob left the conversation unexpectedly")
        #expect(ContinuousClock.now - killed < .seconds(12), "within the lease and a few heartbeats")
        let bob = try await nodes[0].login("bob")
        bob.send("whoelse")
        #expect(await bob.answer() == ["USER alice", "OK 1 other user online"])
    }

    @Test func aPausedNodeIsFencedItsUsersAreToldAndItTakesLoginsAgain() async throws {
        let nodes = try await Self.nodes(2, lease: 4)
        let alice = try await nodes[0].login("alice")
        let bob = try await nodes[1].login("bob")
        #expect(await alice.next("NOTICE ") == "NOTICE bob joined the conversation")
        nodes[1].process.signal(SIGSTOP)
        #expect(await alice.next("NOTICE ", timeout: 20) == "NOTICE bob left the conversation unexpectedly")
        let newBob = try await nodes[0].login("bob")
        nodes[1].process.signal(SIGCONT)
        // The paused node learns it lost its membership before it acts on it: it tells its users and closes.
        #expect(await bob.next("NOTICE ", timeout: 10)?.contains("lost contact") == true)
        #expect(await bob.next("BYE ") != nil)
        newBob.send("whoelse")
        #expect(await newBob.answer() == ["USER alice", "OK 1 other user online"])
        // It joins again and takes logins.
        var carol: LineProcess?
        for _ in 0..<50 where carol == nil {
            carol = try? await nodes[1].login("carol")
            if carol == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(carol != nil)
        #expect(await alice.next(where: { $0 == "NOTICE carol joined the conversation" }) != nil)
    }

    /// Wrong passwords counted on one node lock the guesser out on every node; a name that belongs to certificates
    /// is refused to a password or a guest on any node.
    @Test func lockOutsAndCertificateNamesHoldOnEveryNode() async throws {
        let pki = try TestPKI.make()
        let certificate = try pki.client("carol")
        let nodes = try await Self.nodes(
            2,
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        try await nodes[0].register("dave", password: "right-password")
        let intruder = try nodes[0].connect(extra: ["-bind", "127.0.0.2:0"])
        #expect(await intruder.next("PROMPT ") == "PROMPT Enter username:")
        intruder.send("dave")
        #expect(await intruder.next("PROMPT ") == "PROMPT password Enter password for dave:")
        for guess in ["guess-one", "guess-two", "guess-three"] { intruder.send(guess) }
        #expect(await intruder.next("ERROR name-locked ") != nil)

        let again = try nodes[1].connect(extra: ["-bind", "127.0.0.2:0"])
        #expect(await again.next("PROMPT ") == "PROMPT Enter username:")
        again.send("dave")
        #expect(await again.next("ERROR ")?.hasPrefix("ERROR name-locked ") == true, "\(again.lines)")
        let owner = try await nodes[1].login("dave", password: "right-password")

        let carol = try nodes[0].connect(certificate: certificate)
        #expect(await carol.next("WELCOME ") != nil)
        #expect(await owner.next("NOTICE ") == "NOTICE carol joined the conversation")
        carol.send("tata")
        #expect(await owner.next("NOTICE ") == "NOTICE carol left the conversation")
        let impostor = try nodes[1].connect()
        #expect(await impostor.next("PROMPT ") == "PROMPT Enter username:")
        impostor.send("carol")
        #expect(await impostor.next("ERROR ")?.contains("certificate") == true, "\(impostor.lines)")
    }

    /// A certificate recorded by one node is handed out by another, and a sealed message goes across nodes as it
    /// was sent.
    @Test func sealedMessagesAndCertificatesCrossNodes() async throws {
        let pki = try TestPKI.make()
        let alicePair = try pki.client("alice")
        let bobPair = try pki.client("bob")
        let nodes = try await Self.nodes(
            2,
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let alice = try nodes[0].connect(certificate: alicePair)
        #expect(await alice.next("WELCOME ") != nil)
        let bob = try nodes[1].connect(certificate: bobPair)
        #expect(await bob.next("WELCOME ") != nil)
        bob.send("cert alice")
        let certificate = try #require(await bob.next("CERT "))
        #expect(await bob.next("OK ") == "OK certificate of alice")
        let fetched = try pki.shell(
            "base64 -d | openssl x509 -inform DER -noout -subject",
            input: String(certificate.dropFirst(11))
        )
        #expect(fetched.contains("CN = alice"))
        let sealed = try pki.shell(
            """
            printf 'From: bob\\nTo: alice\\nDate: 2026-12-05T16:00:00Z\\n\\nacross nodes\\n' |
                openssl cms -sign -binary -nodetach -signer client-bob.crt -inkey client-bob.key -outform DER |
                openssl cms -encrypt -binary -aes-256-gcm -recip client-alice.crt -keyopt ecdh_kdf_md:sha256 \\
                    -outform DER | base64 -w0
            """
        )
        bob.send("seal alice \(sealed)")
        #expect(await bob.next("OK ") == "OK delivered to alice")
        #expect(await alice.next("SEALED ", timeout: 20) == "SEALED bob: \(sealed)")
    }

    /// PostgreSQL restarts under two nodes: chat lines said meanwhile reach the other node once it is back (once
    /// each, in order); a private message to the other node is either delivered or refused, never acknowledged and
    /// lost; both nodes carry on by themselves.
    @Test func postgreSQLRestartingLosesNothingAcknowledged() async throws {
        let server = try await TestPostgres.Cluster.start()
        // A long lease: the restart must not outlast it however loaded the machine is (that case is the fencing test's).
        let nodes = try await Self.nodes(2, lease: 30, on: server.url)
        let alice = try await nodes[0].login("alice")
        let bob = try await nodes[1].login("bob")
        #expect(await alice.next("NOTICE ") == "NOTICE bob joined the conversation")
        alice.send("before")
        #expect(await bob.next("CHAT ") == "CHAT alice: before")

        try await server.pause()
        for number in 1...5 { alice.send("during \(number)") }
        alice.send("send bob private during")
        try await Task.sleep(for: .milliseconds(500))
        try await server.resume()
        let answer = await alice.answer(timeout: 30).last ?? ""
        #expect(answer.hasPrefix("OK delivered") || answer.hasPrefix("ERROR server-error"), "\(answer)")

        for number in 1...5 {
            #expect(await bob.next("CHAT ", timeout: 20) == "CHAT alice: during \(number)")
        }
        if answer.hasPrefix("OK delivered") {
            #expect(await bob.next("PRIVATE ", timeout: 20) == "PRIVATE alice: private during")
        }
        alice.send("after")
        #expect(await bob.next("CHAT ", timeout: 20) == "CHAT alice: after", "nothing twice, and still one chat")
    }

    @Test func aNodeCutOffFromPostgreSQLClosesItsSessionsAndTakesLoginsWhenItIsBack() async throws {
        let server = try await TestPostgres.Cluster.start()
        let nodes = try await Self.nodes(2, lease: 4, on: server.url)
        let alice = try await nodes[0].login("alice")
        let bob = try await nodes[1].login("bob")
        #expect(await alice.next("NOTICE ") == "NOTICE bob joined the conversation")
        try await server.pause()
        for user in [alice, bob] {
            #expect(await user.next("NOTICE ", timeout: 10)?.contains("lost contact") == true)
            #expect(await user.next("BYE ") != nil)
        }
        let meanwhile = try nodes[0].connect()
        #expect(await meanwhile.next("PROMPT Enter username:") != nil)
        meanwhile.send("carol")
        #expect(await meanwhile.next("ERROR ", timeout: 20)?.hasPrefix("ERROR server-error") == true)
        try await server.resume()
        var carol: LineProcess?
        for _ in 0..<100 where carol == nil {
            carol = try? await nodes[0].login("carol")
            if carol == nil { try await Task.sleep(for: .milliseconds(300)) }
        }
        #expect(carol != nil, "the node joined again and takes logins")
        var dora: LineProcess?
        for _ in 0..<100 where dora == nil {
            dora = try? await nodes[1].login("dora")
            if dora == nil { try await Task.sleep(for: .milliseconds(300)) }
        }
        #expect(await carol?.next(where: { $0 == "NOTICE dora joined the conversation" }) != nil)
    }

    @Test func aRevokedCertificateClosesItsSessionOnWhicheverNodeHoldsIt() async throws {
        let pki = try TestPKI.make()
        let certificate = try pki.client("alice")
        let nodes = try await Self.nodes(
            2,
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate, "--crl", pki.crl]
        )
        let bob = try await nodes[0].login("bob")
        let alice = try nodes[1].connect(certificate: certificate)
        #expect(await alice.next("WELCOME ") != nil)
        #expect(await bob.next("NOTICE ") == "NOTICE alice joined the conversation")
        try pki.revoke("alice")
        for node in nodes { node.process.signal(SIGHUP) }
        #expect(await alice.next { $0.contains("revoked") } == "NOTICE your client certificate has been revoked")
        #expect(await bob.next("NOTICE ") == "NOTICE alice left the conversation (client certificate revoked)")
    }

    /// 50 logins with one name, spread over three nodes and sent as close together as one process can: exactly one
    /// wins. The clients are Python's `ssl` in one process (50 `s_client` processes beside the rest of the suite's
    /// would take the test process past the descriptors Foundation's `Process` copes with).
    @Test func ofManyLoginsWithOneNameAcrossNodesExactlyOneWins() async throws {
        let nodes = try await Self.nodes(3)
        let race = try LineProcess(
            name: "python3",
            executable: "/usr/bin/python3",
            arguments: ["-c", Self.loginRace, nodes[0].pki.caCertificate, "50", "zed"] + nodes.map { "\($0.port)" }
        )
        let result = await race.next("RESULT ", timeout: 60)
        #expect(result == "RESULT welcomed=1 taken=49 other=0", "\(race.lines) \(race.errorLines)")
    }

    /// Opens COUNT TLS connections to the given ports in turn, waits for each one's name prompt, sends NAME on all of
    /// them at once, and counts the answers.
    private static let loginRace = """
        import socket, ssl, sys
        ca, count, name, ports = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
        context = ssl.create_default_context(cafile=ca)
        context.check_hostname = False
        connections = []
        for index in range(count):
            raw = socket.create_connection(("127.0.0.1", int(ports[index % len(ports)])), timeout=30)
            connection = context.wrap_socket(raw)
            reader = connection.makefile("r", encoding="utf-8", newline="\\n")
            while not reader.readline().startswith("PROMPT"):
                pass
            connections.append((connection, reader))
        for connection, _ in connections:
            connection.sendall((name + "\\n").encode())
        counts = {"welcomed": 0, "taken": 0, "other": 0}
        for _, reader in connections:
            while True:
                line = reader.readline()
                if line.startswith("WELCOME " + name):
                    counts["welcomed"] += 1
                    break
                if line.startswith("ERROR name-taken"):
                    counts["taken"] += 1
                    break
                if line == "" or line.startswith("ERROR"):
                    counts["other"] += 1
                    break
        print("RESULT welcomed=%d taken=%d other=%d" % (counts["welcomed"], counts["taken"], counts["other"]), flush=True)
        """
}
