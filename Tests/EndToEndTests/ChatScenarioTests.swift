import Foundation
import Testing

/// The seed's behaviour over TLS, driven by real `openssl s_client` processes against the real server binary.
@Suite(.timeLimit(.minutes(2)))
struct ChatScenarioTests {
    @Test(arguments: TestDatabase.allCases)
    func joinChatAndLeaveAreAnnouncedWithTheSeedTexts(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert joined the conversation")

        albert.send("world")
        #expect(await tesla.next("CHAT ") == "CHAT albert: world")
        tesla.send("Hello")
        #expect(await albert.next("CHAT ") == "CHAT tesla: Hello")

        albert.send("tata")
        #expect(await albert.next("BYE ") == "BYE DISCONNECTED!!")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert left the conversation")
        #expect(await albert.waitForExit() != nil)

        let connected = await server.process.errorLine {
            $0.contains("Client (127.0.0.1, ") && $0.contains("connected [ tesla ]")
        }
        #expect(connected?.contains("TLSv1.3") == true)
        #expect(await server.process.errorLine { $0.contains("is offline [ albert ]") } != nil)
    }

    /// The server frames lines itself: the start of a line waits for the rest in a later record, and a last line
    /// without a newline still counts when the peer closes.
    @Test(arguments: TestDatabase.allCases)
    func aLineInPiecesIsOneLineAndAFinalLineNeedsNoNewline(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert joined the conversation")

        albert.sendRaw(Data("whoelse\nhel".utf8))
        // The answer shows the record holding "hel" was read before the rest is sent.
        #expect(await albert.answer() == ["USER tesla", "OK 1 other user online"])
        albert.sendRaw(Data("lo there\n".utf8))
        #expect(await tesla.next("CHAT ") == "CHAT albert: hello there")

        albert.sendRaw(Data("tata".utf8))
        albert.closeInput()
        #expect(await tesla.next("NOTICE ") == "NOTICE albert left the conversation")
    }

    /// The server hands a burst of chat lines to the room together; every line still arrives, once and in order.
    @Test(arguments: TestDatabase.allCases)
    func aBurstOfChatLinesArrivesInOrder(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database, extraArguments: ["--rate-burst", "1000"])
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert joined the conversation")
        albert.sendRaw(Data((1...50).map { "line \($0)\n" }.joined().utf8))
        var received: [String] = []
        for _ in 1...50 {
            guard let line = await tesla.next("CHAT ") else { break }
            received.append(line)
        }
        let expected: [String] = (1...50).map { "CHAT albert: line \($0)" }
        #expect(received == expected)
    }

    /// Lines queued behind a command that waits are gathered into one batch; a `tata` that ends the batch must not
    /// take the chat lines before it down with the session.
    @Test(arguments: 1...3) func chatLinesQueuedBeforeTataStillReachTheRoom(round: Int) async throws {
        let server = try await ServerProcess.start()
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert joined the conversation")
        // `whoelse` waits for the room (a task), so the next lines queue behind it; the chat line then starts a batch
        // that `tata` ends.
        albert.sendRaw(Data("whoelse\nhello \(round)\ntata\n".utf8))
        let first = await tesla.next { $0.hasPrefix("CHAT ") || $0.hasPrefix("NOTICE albert left") }
        #expect(first == "CHAT albert: hello \(round)")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert left the conversation")
    }

    /// Answers come back in the order of the commands, also when an answer the session writes from its task (a
    /// `send`) is followed closely by one it gives at once on the event loop (an unknown command).
    @Test(arguments: TestDatabase.allCases)
    func answersKeepTheOrderOfTheCommands(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(
            database: database,
            extraArguments: [
                "--rate-burst", "100000", "--rate-per-second", "100000",
            ]
        )
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert joined the conversation")
        var overtaken: [Int] = []
        var complete = 0
        for round in 1...60 {
            albert.send("send tesla r\(round)")
            for _ in 1...8 {
                albert.send("/bogus")
                usleep(UInt32.random(in: 20...200))  // vary how the lines fall into reads
            }
            var answers: [String] = []
            for _ in 1...9 {
                guard let line = await albert.next(where: { $0.hasPrefix("OK") || $0.hasPrefix("ERROR") }) else {
                    break
                }
                answers.append(line)
            }
            if answers.count == 9 { complete += 1 }
            if answers.first?.hasPrefix("OK") != true { overtaken.append(round) }
        }
        #expect(complete == 60, "every command got its answer")
        #expect(overtaken.isEmpty, "rounds whose send was not answered first: \(overtaken)")
    }

    /// The same behind chat lines: the session's task, busy with a chat line, answers unknown commands queued behind
    /// it, while later ones are answered at once on the event loop; all in the order they were sent.
    @Test(arguments: TestDatabase.allCases)
    func answersAfterChatLinesKeepTheirOrder(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(
            database: database,
            extraArguments: [
                "--rate-burst", "100000", "--rate-per-second", "100000",
            ]
        )
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        #expect(await tesla.next("NOTICE ") == "NOTICE albert joined the conversation")
        var disordered: [Int] = []
        for round in 1...40 {
            albert.send("hello \(round)")
            for index in 1...6 {
                albert.send("/x\(round)x\(index)")
                usleep(UInt32.random(in: 20...200))  // vary how the lines fall into reads
            }
            var order: [String] = []
            for _ in 1...6 {
                guard let line = await albert.next("ERROR ") else { break }
                order.append(line)
            }
            let expected = (1...6).map { "/x\(round)x\($0)" }
            let seen = order.map { line in expected.first { line.contains($0) } ?? line }
            if seen != expected { disordered.append(round) }
        }
        #expect(disordered.isEmpty, "rounds whose answers came out of order: \(disordered)")
    }

    @Test(arguments: TestDatabase.allCases)
    func aDroppedConnectionIsAnnouncedAsUnexpected(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let tesla = try await server.login("tesla")
        let albert = try await server.login("albert")
        albert.signal(SIGKILL)
        #expect(
            await tesla.next { $0.hasPrefix("NOTICE albert left") }
                == "NOTICE albert left the conversation unexpectedly"
        )
    }

    @Test(arguments: TestDatabase.allCases)
    func namesAreUniqueCaseInsensitively(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let first = try await server.login("Alice")
        let second = try server.connect()
        await second.next("PROMPT Enter username:")
        second.send("alice")
        #expect(await second.next("ERROR ")?.hasPrefix("ERROR name-taken ") == true)
        #expect(await second.next("PROMPT ") == "PROMPT Enter username:")
        second.send("bad name!")
        #expect(await second.next("ERROR ")?.hasPrefix("ERROR name-invalid ") == true)
        second.send("whoelse")
        #expect(await second.next("ERROR ")?.hasPrefix("ERROR name-reserved ") == true)
        second.send("bob")
        #expect(await second.next("WELCOME ") == "WELCOME bob Welcome to chat room. Enter 'tata' anytime to exit")
        withExtendedLifetime(first) {}
    }

    @Test(arguments: TestDatabase.allCases)
    func whoelseAndWholast(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")
        let carol = try await server.login("carol")
        carol.send("tata")
        await carol.next("BYE ")
        await alice.next { $0 == "NOTICE carol left the conversation" }

        alice.send("whoelse")
        #expect(await alice.answer().filter { !$0.hasPrefix("NOTICE") } == ["USER bob", "OK 1 other user online"])
        alice.send("wholast 5")
        let recent = await alice.answer().filter { !$0.hasPrefix("NOTICE") }
        #expect(recent.count == 2)
        #expect(recent.first?.hasPrefix("USER carol last seen 20") == true)
        #expect(recent.last?.hasPrefix("OK 1 user") == true)
        alice.send("wholast")
        #expect(await alice.answer().last == "ERROR usage wholast <minutes>")
        _ = bob
    }

    @Test(arguments: TestDatabase.allCases)
    func privateMessagesOnlineOfflineAndUnknown(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")
        alice.send("send bob hi there")
        #expect(await bob.next("PRIVATE ") == "PRIVATE alice: hi there")
        #expect(await alice.answer().last == "OK delivered to bob")

        alice.send("send nobody hi")
        #expect(await alice.answer().last?.hasPrefix("ERROR unknown-user ") == true)

        bob.send("tata")
        await bob.next("BYE ")
        alice.send("send bob are you there")
        #expect(await alice.answer().last?.hasPrefix("ERROR offline-guest ") == true)
        alice.send("send alice me")
        #expect(await alice.answer().last?.hasPrefix("ERROR usage ") == true)
    }

    @Test(arguments: TestDatabase.allCases)
    func registeredUsersGetOfflineMessagesInTheirInbox(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let carol = try await server.login("carol")
        carol.send("register s3cret-pass")
        #expect(await carol.answer().last?.hasPrefix("OK carol is registered") == true)
        carol.send("tata")
        await carol.next("BYE ")

        let alice = try await server.login("alice")
        alice.send("send carol see you tomorrow")
        #expect(await alice.answer().last?.hasPrefix("OK queued for carol (offline)") == true)

        let back = try server.connect()
        await back.next("PROMPT Enter username:")
        back.send("carol")
        #expect(await back.next("PROMPT ") == "PROMPT password Enter password for carol:")
        back.send("s3cret-pass")
        #expect(await back.next("WELCOME ") != nil)
        #expect(await back.next("NOTICE you have") != nil)
        back.send("inbox")
        let inbox = await back.answer().filter { !$0.hasPrefix("NOTICE") }
        #expect(inbox.count == 2)
        #expect(inbox.first?.split(separator: " ").dropFirst(2).first?.hasPrefix("20") == true)
        #expect(inbox.first?.hasSuffix(" private alice: see you tomorrow") == true)
        #expect(inbox.last == "OK 1 message; type 'read' once you have them")
        back.send("inbox")
        #expect(await back.answer().last == "OK 0 messages")
        back.send("history")
        let history = await back.answer().filter { $0.hasPrefix("HISTORY") }
        #expect(history.contains { $0.hasSuffix("alice -> carol: see you tomorrow") })
    }

    @Test(arguments: TestDatabase.allCases)
    func wrongPasswordsLockTheNameForTheirSource(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        try await server.register("dave", password: "correct-horse")

        let intruder = try server.connect()
        await intruder.next("PROMPT Enter username:")
        intruder.send("dave")
        await intruder.next("PROMPT password Enter password for dave:")
        intruder.send("guess1")
        #expect(await intruder.next("ERROR ")?.hasPrefix("ERROR bad-password") == true)
        intruder.send("guess2")
        #expect(await intruder.next("ERROR ")?.hasPrefix("ERROR bad-password") == true)
        intruder.send("guess3")
        #expect(await intruder.next("ERROR ")?.hasPrefix("ERROR name-locked") == true)
        #expect(await intruder.next("BYE ") == "BYE too many wrong passwords")
        let again = try server.connect()
        await again.next("PROMPT Enter username:")
        again.send("dave")
        #expect(await again.next("ERROR ")?.hasPrefix("ERROR name-locked") == true)
        #expect(await server.process.errorLine { $0.contains("source locked out of a name") } != nil)
    }

    @Test(arguments: TestDatabase.allCases)
    func aLockCoversConnectionsAlreadyAtThePasswordPrompt(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        try await server.register("dave", password: "correct-horse")

        // Two connections from one source reach the password prompt; three wrong answers on the first lock that
        // source out of the name.
        var prompts: [LineProcess] = []
        for _ in 0..<2 {
            let client = try server.connect()
            await client.next("PROMPT Enter username:")
            client.send("dave")
            #expect(await client.next("PROMPT ") == "PROMPT password Enter password for dave:")
            prompts.append(client)
        }
        for guess in ["guess1", "guess2", "guess3"] {
            prompts[0].send(guess)
            await prompts[0].next("ERROR ")
        }
        // Even the right password is not checked while the source is locked out.
        prompts[1].send("correct-horse")
        #expect(await prompts[1].next("ERROR ")?.hasPrefix("ERROR name-locked ") == true)
        #expect(await prompts[1].next("BYE ") == "BYE too many wrong passwords")
    }

    @Test(arguments: TestDatabase.allCases)
    func broadcastsReachEveryoneOrTheNamedUsers(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")
        let carol = try await server.login("carol")
        alice.send("broadcast message hello all")
        #expect(await bob.next("BROADCAST ") == "BROADCAST alice: hello all")
        #expect(await carol.next("BROADCAST ") == "BROADCAST alice: hello all")
        #expect(await alice.answer().last == "OK broadcast to 2 users")

        alice.send("broadcast user bob ghost message just you")
        // ghost is nobody: the line names only those who exist.
        #expect(await bob.next("BROADCAST ") == "BROADCAST alice to bob: just you")
        let answer = await alice.answer().filter { !$0.hasPrefix("NOTICE") }
        #expect(answer.first == "DELIVERY bob delivered online now")
        #expect(answer.dropFirst().first?.hasPrefix("DELIVERY ghost failed ") == true)
        #expect(answer.last == "OK 1 delivered, 0 queued, 1 failed")
        carol.send("whoelse")
        #expect(await carol.answer().last == "OK 2 other users online")
    }

    @Test(arguments: TestDatabase.allCases)
    func blockedUsersReachNothing(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let alice = try await server.login("alice")
        let mallory = try await server.login("mallory")
        alice.send("block mallory")
        #expect(await alice.answer().last?.hasPrefix("OK blocked mallory") == true)
        alice.send("blocked")
        #expect(await alice.answer() == ["USER mallory", "OK 1 blocked user"])
        mallory.send("spam spam")
        mallory.send("send alice spam")
        #expect(await mallory.answer().last?.hasPrefix("ERROR blocked ") == true)
        mallory.send("broadcast message more spam")
        #expect(await mallory.answer().last == "OK broadcast to 0 users")
        alice.send("unblock mallory")
        #expect(await alice.answer().last == "OK unblocked mallory")
        mallory.send("sorry")
        #expect(await alice.next("CHAT ") == "CHAT mallory: sorry")
    }

    @Test(arguments: TestDatabase.allCases)
    func errorsForMalformedLines(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")
        alice.send("/dance")
        #expect(await alice.answer().last?.hasPrefix("ERROR unknown-command ") == true)
        alice.send("send bob")
        #expect(await alice.answer().last?.hasPrefix("ERROR usage send ") == true)
        alice.send(String(repeating: "x", count: 5000))
        #expect(await alice.answer().last?.hasPrefix("ERROR line-too-long ") == true)
        // The limit does not count the line ending, LF or CRLF: 4096 bytes pass either way, 4097 do not.
        let longest = "say " + String(repeating: "y", count: 4092)
        alice.sendRaw(Data((longest + "\r\n").utf8))
        #expect(await bob.next("CHAT ") == "CHAT alice: " + String(repeating: "y", count: 4092))
        alice.sendRaw(Data((longest + "y\r\n").utf8))
        #expect(await alice.answer().last?.hasPrefix("ERROR line-too-long ") == true)
        alice.sendRaw(Data([0x66, 0xFF, 0xFE, 0x0A]))
        #expect(await alice.answer().last?.hasPrefix("ERROR invalid-utf8 ") == true)
        // The first refused line of a connection is logged, the later ones (here the invalid UTF-8) only answered.
        let logged = await server.process.errorLine { $0.contains("refused a line over 4096 bytes (line-too-long)") }
        #expect(logged?.contains("user=alice") == true)
        bob.sendRaw(Data([0xFF, 0x0A]))
        #expect(await bob.answer().last?.hasPrefix("ERROR invalid-utf8 ") == true)
        let invalid = await server.process.errorLine { $0.contains("bytes (invalid-utf8)") }
        #expect(invalid?.contains("user=bob") == true, "\(invalid ?? "not logged")")
        alice.send("\u{1B}[2J\u{1B}]0;pwned\u{07}evil")
        let chat = await bob.next("CHAT ")
        #expect(chat == "CHAT alice: ␛[2J␛]0;pwned␇evil")
        #expect(chat?.contains("\u{1B}") == false)
        alice.send("ping")
        #expect(await alice.answer().last == "OK pong")
    }

    @Test(arguments: TestDatabase.allCases)
    func helpListsEveryCommand(database: TestDatabase) async throws {
        let server = try await ServerProcess.start(database: database)
        let alice = try await server.login("alice")
        alice.send("help")
        let help = await alice.answer()
        for verb in [
            "whoelse", "wholast", "send", "broadcast", "inbox", "history", "block", "unblock", "blocked",
            "register", "tata",
        ] {
            #expect(help.contains { $0.hasPrefix("HELP \(verb)") }, "help lacks \(verb)")
        }
        #expect(help.last?.hasPrefix("OK") == true)
    }
}
