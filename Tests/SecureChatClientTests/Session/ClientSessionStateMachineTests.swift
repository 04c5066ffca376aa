import Testing

@testable import SecureChatClient

@Suite struct ClientSessionStateMachineTests {
    typealias Machine = ClientSessionStateMachine
    let usernamePrompt = ServerLine(parsing: "PROMPT Enter username:")
    let passwordPrompt = ServerLine(parsing: "PROMPT password Enter password for carol:")
    let welcomeBob = ServerLine(parsing: "WELCOME bob Welcome to chat room. Enter 'tata' anytime to exit")
    let pong = ServerLine(parsing: "OK pong")
    let bye = ServerLine(parsing: "BYE DISCONNECTED!!")

    // MARK: Interactive

    @Test func interactiveLoginThenChatThenTata() {
        var machine = Machine(mode: .interactive, name: nil)
        #expect(machine.connected() == [.setPrompt(.waiting)])
        #expect(machine.received(usernamePrompt) == [.setPrompt(.username("Enter username:"))])
        #expect(machine.userEntered("bob") == [.echo("bob"), .send("bob")])
        #expect(machine.received(welcomeBob) == [.show(welcomeBob), .setPrompt(.chatting(name: "bob"))])
        #expect(machine.userEntered("hello") == [.echo("hello"), .send("say hello")])
        let chat = ServerLine(parsing: "CHAT alice: hi")
        #expect(machine.received(chat) == [.show(chat)])
        #expect(machine.userEntered("/tata") == [.echo("/tata"), .send("tata"), .startLeaveTimer])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
        #expect(machine.disconnected(reason: "closed") == [])
    }

    @Test func passwordPromptIsSecret() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.userEntered("carol")
        #expect(machine.received(passwordPrompt) == [.setPrompt(.password("Enter password for carol:"))])
        let error = ServerLine(parsing: "ERROR bad-password wrong password")
        #expect(machine.received(error) == [.show(error)])
    }

    /// What a prompt asks for is the kind word on the wire, never a guess from its text: a prompt without one is
    /// ordinary whatever it says, and a kind this client does not know is hidden as a password is.
    @Test func aPromptAsksForWhatItsKindWordSays() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        let plain = ServerLine(parsing: "PROMPT Enter password for carol:")
        #expect(machine.received(plain) == [.setPrompt(.username("Enter password for carol:"))])
        let code = ServerLine(parsing: "PROMPT one-time-code Enter the code:")
        #expect(machine.received(code) == [.setPrompt(.password("Enter the code:"))])

        var scripted = Machine(mode: .scripted, name: "carol")
        _ = scripted.connected()
        #expect(scripted.received(plain) == [.send("carol")], "--name answers an ordinary prompt")
        #expect(scripted.userEntered("carol-password") == [])
        #expect(scripted.received(code) == [.show(code), .send("carol-password")])
    }

    @Test func pingIsAnsweredAndNotShown() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        #expect(machine.received(ServerLine(parsing: "PING keep-alive")) == [.send("pong")])
    }

    @Test func controlDLeavesWithTataAndATimer() {
        var machine = Machine(mode: .interactive, name: "bob")
        _ = machine.connected()
        #expect(machine.received(usernamePrompt) == [.send("bob")])
        _ = machine.received(welcomeBob)
        #expect(machine.inputEnded() == [.send("tata"), .startLeaveTimer])
        #expect(machine.userEntered("more") == [])
        #expect(machine.leaveTimedOut() == [.finish(.left)])
    }

    @Test func interruptBeforeLoginJustCloses() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        #expect(machine.interrupted() == [.finish(.left)])
    }

    @Test func aRefusedAutomaticNameLetsTheInteractiveUserTypeAnother() {
        var machine = Machine(mode: .interactive, name: "bob")
        _ = machine.connected()
        #expect(machine.received(usernamePrompt) == [.send("bob")])
        let taken = ServerLine(parsing: "ERROR name-taken bob is online")
        #expect(machine.received(taken) == [.show(taken)])
        #expect(machine.received(usernamePrompt) == [.setPrompt(.username("Enter username:"))])
    }

    @Test func aDroppedConnectionReconnectsWithTheSameName() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.userEntered("bob")
        _ = machine.received(welcomeBob)
        #expect(machine.disconnected(reason: "reset") == [.setPrompt(.waiting), .finish(.dropped(reason: "reset"))])
        #expect(machine.userEntered("typed while away") == [.echo("typed while away")])
        #expect(machine.connected() == [.setPrompt(.waiting)])
        #expect(machine.received(usernamePrompt) == [.send("bob")])
        #expect(
            machine.received(welcomeBob) == [
                .show(welcomeBob), .setPrompt(.chatting(name: "bob")), .send("say typed while away"),
            ]
        )
    }

    @Test func byeWhileChattingIsADrop() {
        var machine = Machine(mode: .interactive, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        let shutdown = ServerLine(parsing: "BYE server shutting down")
        #expect(
            machine.received(shutdown) == [
                .show(shutdown), .finish(.dropped(reason: "the server closed the connection: server shutting down")),
            ]
        )
    }

    @Test func byeDuringLoginFails() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        let refused = ServerLine(parsing: "BYE certificate name refused")
        #expect(
            machine.received(refused) == [
                .show(refused), .finish(.failed(reason: "the server ended the login: certificate name refused")),
            ]
        )
    }

    @Test func certificateLoginNeedsNoPrompt() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        let welcome = ServerLine(parsing: "WELCOME alice Welcome to chat room. Enter 'tata' anytime to exit")
        #expect(machine.received(welcome) == [.show(welcome), .setPrompt(.chatting(name: "alice"))])
        #expect(machine.loggedInName == "alice")
    }

    // MARK: Scripted

    @Test func scriptedWithNameQueuesInputUntilWelcomeThenDrainsWithPingAndLeaves() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        #expect(machine.userEntered("/whoelse") == [])
        #expect(machine.userEntered("hello all") == [])
        #expect(machine.inputEnded() == [])
        #expect(machine.received(usernamePrompt) == [.send("bob")])
        #expect(
            machine.received(welcomeBob) == [
                .show(welcomeBob), .setPrompt(.chatting(name: "bob")),
                .send("whoelse"), .send("say hello all"), .send("ping"), .startDrainTimer,
            ]
        )
        let user = ServerLine(parsing: "USER alice")
        let ok = ServerLine(parsing: "OK 1 other user online")
        #expect(machine.received(user) == [.show(user)])
        #expect(machine.received(ok) == [.show(ok)])
        // The end of the input is a goodbye: `tata`, so the others see a proper leave.
        #expect(machine.received(pong) == [.send("tata"), .startLeaveTimer])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
    }

    @Test func scriptedLeavesEvenIfTheServerDoesNotSayBye() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        #expect(machine.inputEnded() == [.send("ping"), .startDrainTimer])
        #expect(machine.received(pong) == [.send("tata"), .startLeaveTimer])
        #expect(machine.disconnected(reason: "closed") == [.finish(.left)])
    }

    @Test func scriptedWithoutNameAnswersOnePromptPerLine() {
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        #expect(machine.userEntered("carol") == [])
        #expect(machine.userEntered("secret-password") == [])
        #expect(machine.userEntered("/inbox") == [])
        #expect(machine.received(usernamePrompt) == [.show(usernamePrompt), .send("carol")])
        #expect(machine.received(passwordPrompt) == [.show(passwordPrompt), .send("secret-password")])
        let welcome = ServerLine(parsing: "WELCOME carol Welcome")
        #expect(machine.received(welcome) == [.show(welcome), .setPrompt(.chatting(name: "carol")), .send("inbox")])
    }

    @Test func scriptedLinesAfterAPromptGoStraightOut() {
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        #expect(machine.received(usernamePrompt) == [.show(usernamePrompt)])
        #expect(machine.userEntered("dave") == [.send("dave")])
        #expect(machine.userEntered("whoelse") == [])
    }

    @Test func scriptedUserPingsAreShownAndOnlyOursEndsTheRun() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        #expect(machine.userEntered("/ping") == [.send("ping")])
        #expect(machine.inputEnded() == [.send("ping"), .startDrainTimer])
        #expect(machine.received(pong) == [.show(pong)])
        #expect(machine.received(pong) == [.send("tata"), .startLeaveTimer])
    }

    @Test func scriptedTataWaitsForBye() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        #expect(machine.userEntered("/TATA") == [.send("tata"), .startLeaveTimer])
        #expect(machine.inputEnded() == [])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
    }

    @Test func scriptedRefusedNameFails() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        #expect(
            machine.received(usernamePrompt) == [.finish(.failed(reason: "the server did not accept the name bob"))]
        )
    }

    @Test func scriptedInputEndingDuringLoginFails() {
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        #expect(machine.inputEnded() == [.finish(.failed(reason: "the input ended before the login finished"))])
    }

    @Test func scriptedDrainTimesOut() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        _ = machine.inputEnded()
        // Still a goodbye, so the others see `left the conversation`; the failure is reported once it is done.
        #expect(machine.drainTimedOut() == [.send("tata"), .startLeaveTimer])
        let failed = Machine.Outcome.failed(reason: "the server did not answer the last commands in time")
        #expect(machine.received(bye) == [.show(bye), .finish(failed)])
    }

    @Test func scriptedDrainTimeoutFailsAlsoWhenTheServerNeverCloses() {
        var machine = loggedInBob(.scripted)
        _ = machine.inputEnded()
        _ = machine.drainTimedOut()
        #expect(
            machine.leaveTimedOut() == [
                .finish(.failed(reason: "the server did not answer the last commands in time"))
            ]
        )
    }

    @Test func scriptedDisconnectWhileDrainingIsADrop() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        _ = machine.inputEnded()
        #expect(machine.disconnected(reason: "reset") == [.setPrompt(.waiting), .finish(.dropped(reason: "reset"))])
    }

    // MARK: Typed lines

    @Test func aLineThatOnlyStartsWithTataIsChatAndTheSessionGoesOn() {
        var machine = loggedInBob(.interactive)
        #expect(machine.userEntered("tata for now") == [.echo("tata for now"), .send("say tata for now")])
        #expect(machine.userEntered("/whoelse") == [.echo("/whoelse"), .send("whoelse")])
        #expect(machine.userEntered("/tata now") == [.echo("/tata now"), .send("tata now")])
        #expect(machine.userEntered("/quit") == [.echo("/quit"), .send("tata"), .startLeaveTimer])
    }

    @Test func quitWithAReasonLeavesWithoutSendingTheReason() {
        var machine = loggedInBob(.interactive)
        #expect(machine.userEntered("/quit see you") == [.echo("/quit see you"), .send("tata"), .startLeaveTimer])
        #expect(TypedLine.helpLines.contains { $0.contains("/quit [<reason>]") && $0.contains("not sent") })
    }

    @Test func tataAloneLeavesAsTheWelcomeSays() {
        var machine = loggedInBob(.interactive)
        #expect(machine.userEntered(" Tata ") == [.echo(" Tata "), .send("tata"), .startLeaveTimer])
    }

    @Test func slashHelpShowsTheClientsCommandsThenAsksTheServer() {
        var machine = loggedInBob(.interactive)
        let actions = machine.userEntered("/help")
        #expect(actions.first == .echo("/help"))
        #expect(actions.last == .send("help"))
        #expect(actions.dropFirst().dropLast() == ArraySlice(TypedLine.helpLines.map(Machine.Action.note)))
        #expect(machine.userEntered("/help send") == [.echo("/help send"), .send("help send")])
    }

    @Test func anUnknownSlashCommandIsRefusedLocallyNeitherSentNorEchoed() {
        var machine = loggedInBob(.interactive)
        #expect(
            machine.userEntered("/frobnicate now") == [
                .note("unknown command /frobnicate: plain lines are chat; /help lists the commands")
            ]
        )
    }

    @Test(
        arguments: [
            (" /register hunter22", TypedLine.send("register hunter22")),
            ("\t /whoelse", .send("whoelse")),
            ("  tata  ", .leave),
            ("  hello", .send("say   hello")),
            ("/", .refused("empty command; type /help for the list")),
            ("  / ", .refused("empty command; type /help for the list")),
            ("//x", .refused("unknown command //x: plain lines are chat; /help lists the commands")),
            ("/ME waves", .send("say * waves")),
            ("/me", .refused("usage: /me <action>")),
            ("/msg", .refused("usage: /msg <user> <text>")),
            ("/msg  ", .refused("usage: /msg <user> <text>")),
            ("/msg bob hi", .send("send bob hi")),
            ("/msg bob", .refused("usage: /msg <user> <text>")),
            ("/msg bob   ", .refused("usage: /msg <user> <text>")),
            ("/say", .refused("usage: /say <text>")),
            ("/say /not a command", .send("say /not a command")),
            ("/quit", .leave),
            ("/QUIT gone fishing", .leave),
            ("/tata", .leave),
            ("/tata now", .send("tata now")),
            ("/help msg", .send("help send")),
            ("/help /ME", .send("help say")),
            ("/help quit", .send("help tata")),
            ("/help inbox", .send("help inbox")),
            ("   ", .nothing),
        ] as [(String, TypedLine)]
    )
    func typedLineEdgeCases(typed: String, meaning: TypedLine) {
        #expect(TypedLine.interpret(typed) == meaning)
    }

    @Test func aLeadingSpaceDoesNotSendACommandToTheRoom() {
        var machine = loggedInBob(.interactive)
        #expect(
            machine.userEntered(" /register hunter22") == [.echo("/register ********"), .send("register hunter22")]
        )
    }

    /// A `/register` line's password is never shown: masked in the echo (whatever its length), the command alone
    /// when there is none; other lines are shown as typed.
    @Test(
        arguments: [
            ("/register hunter22", "/register ********"),
            ("/REGISTER  a b", "/REGISTER ********"),
            ("/register", "/register"),
            ("/registered x", "/registered x"),
            ("register hunter22", "register hunter22"),
            ("/send bob /register x", "/send bob /register x"),
        ]
    )
    func aRegisterLinesPasswordIsMaskedWhenShown(typed: String, shown: String) {
        #expect(TypedLine.shown(typed) == shown)
        #expect(TypedLine.holdsSecret(typed) == (shown != typed || typed.lowercased() == "/register"))
    }

    @Test func anOverlongLineIsRefusedWithTheLimitNotSentNotEchoed() {
        var machine = loggedInBob(.interactive)
        let command = "/send alice " + String(repeating: "x", count: 4096)
        #expect(
            machine.userEntered(command) == [
                .note("not sent: the line has 4108 bytes, 4107 as sent, over the limit of 4096")
            ]
        )
        // A command is measured as sent, without its `/`: 4097 typed bytes are exactly the limit on the wire.
        let atTheLimit = "/send alice " + String(repeating: "x", count: 4085)
        #expect(machine.userEntered(atTheLimit) == [.echo(atTheLimit), .send(String(atTheLimit.dropFirst()))])
        // A chat line goes out as `say <line>`: 4094 typed bytes are 4098 on the wire.
        let chat = String(repeating: "é", count: 2047)
        #expect(
            machine.userEntered(chat) == [
                .note("not sent: the line has 4094 bytes, 4098 as sent, over the limit of 4096")
            ]
        )
        let fits = String(repeating: "y", count: 4092)
        #expect(machine.userEntered(fits) == [.echo(fits), .send("say " + fits)])
    }

    @Test func anOverlongAnswerToAPromptIsRefusedToo() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        let long = String(repeating: "n", count: 4097)
        #expect(machine.userEntered(long) == [.note("not sent: the line has 4097 bytes, over the limit of 4096")])
    }

    @Test func emptyLinesAreNotSent() {
        var machine = loggedInBob(.interactive)
        #expect(machine.userEntered("") == [.echo("")])
        #expect(machine.userEntered("   ") == [.echo("   ")])
    }

    // MARK: Inbox

    @Test func anInboxAnswerIsAcknowledgedUpToItsHighestIDAndTheReadAnswerIsQuiet() {
        var machine = loggedInBob(.interactive)
        #expect(machine.userEntered("/inbox") == [.echo("/inbox"), .send("inbox")])
        let first = ServerLine(parsing: "INBOX 7 2026-12-04T10:00:00Z private alice: one")
        let chat = ServerLine(parsing: "CHAT dave: meanwhile")
        let second = ServerLine(parsing: "INBOX 9 2026-12-04T10:01:00Z broadcast alice: two")
        let ok = ServerLine(parsing: "OK 2 messages")
        #expect(machine.received(first) == [.show(first)])
        #expect(machine.received(chat) == [.show(chat)])
        #expect(machine.received(second) == [.show(second)])
        let summary = ServerLine(.ok, "2 new messages shown and marked read")
        #expect(machine.received(ok) == [.show(summary), .send("read 9")])
        #expect(machine.received(ServerLine(parsing: "OK 2 messages marked read")) == [])
        // The user's own `read` is answered visibly.
        #expect(machine.userEntered("/read") == [.echo("/read"), .send("read")])
        let own = ServerLine(parsing: "OK 0 messages marked read")
        #expect(machine.received(own) == [.show(own)])
        // A refused `read` of the user's does not make the next automatic answer visible.
        _ = machine.userEntered("/read x")
        let usage = ServerLine(parsing: "ERROR usage read [<id>]")
        #expect(machine.received(usage) == [.show(usage)])
        _ = machine.received(ServerLine(parsing: "INBOX 10 2026-12-04T10:02:00Z private alice: three"))
        let one = ServerLine(.ok, "1 new message shown and marked read")
        #expect(
            machine.received(ServerLine(parsing: "OK 1 message; type 'read' once you have them")) == [
                .show(one), .send("read 10"),
            ]
        )
        #expect(machine.received(ServerLine(parsing: "OK 1 message marked read")) == [])
    }

    @Test func anEmptyInboxNeedsNoAcknowledgement() {
        var machine = loggedInBob(.scripted)
        _ = machine.userEntered("/inbox")
        let ok = ServerLine(parsing: "OK 0 messages")
        #expect(machine.received(ok) == [.show(ok)])
    }

    @Test func aMessageOfferedAgainAfterAReconnectIsNotShownTwiceButIsAcknowledged() {
        var machine = Machine(mode: .interactive, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        _ = machine.userEntered("/inbox")
        let message = ServerLine(parsing: "INBOX 7 2026-12-04T10:00:00Z private alice: one")
        #expect(machine.received(message) == [.show(message)])
        // The connection drops before the answer's OK: nothing was acknowledged, so the server offers it again.
        _ = machine.disconnected(reason: "reset")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        _ = machine.userEntered("/inbox")
        let newer = ServerLine(parsing: "INBOX 8 2026-12-04T10:05:00Z private alice: two")
        #expect(machine.received(message) == [])
        #expect(machine.received(newer) == [.show(newer)])
        let ok = ServerLine(parsing: "OK 2 messages; 3 more: type 'inbox' for the next page (it marks these read)")
        let summary = ServerLine(
            .ok,
            "1 new message shown and marked read, 1 already shown; 3 more: type '/inbox' for the next page"
        )
        #expect(machine.received(ok) == [.show(summary), .send("read 8")])
    }

    @Test func theClosingPingWaitsForTheAcknowledgementsAnswerQuietly() {
        var machine = loggedInBob(.scripted)
        #expect(machine.userEntered("/inbox") == [.send("inbox")])
        #expect(machine.inputEnded() == [.send("ping"), .startDrainTimer])
        let message = ServerLine(parsing: "INBOX 3 2026-12-04T10:00:00Z private alice: one")
        #expect(machine.received(message) == [.show(message)])
        let ok = ServerLine(parsing: "OK 1 message")
        let summary = ServerLine(.ok, "1 new message shown and marked read")
        #expect(machine.received(ok) == [.show(summary), .send("read 3")])
        #expect(machine.received(pong) == [.send("tata"), .startLeaveTimer])
        #expect(machine.received(ServerLine(parsing: "OK 1 message marked read")) == [])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
    }

    @Test func anyRefusalOfTheAutomaticReadKeepsTheQueueInStepAndRateLimitedIsRetriedOnce() {
        var machine = loggedInBob(.interactive)
        _ = machine.userEntered("/inbox")
        _ = machine.received(ServerLine(parsing: "INBOX 4 2026-12-04T10:00:00Z private alice: one"))
        #expect(machine.received(ServerLine(parsing: "OK 1 message")).last == .send("read 4"))
        #expect(machine.userEntered("/read") == [.echo("/read"), .send("read")])
        // The automatic read is refused as rate-limited: quietly, and retried after the next answer.
        #expect(machine.received(ServerLine(parsing: "ERROR rate-limited too many lines too fast")) == [])
        // That next answer is the user's own `read`: shown, not taken for the automatic one.
        let own = ServerLine(parsing: "OK 1 message marked read")
        #expect(machine.received(own) == [.show(own), .send("read 4")])
        // Refused again: shown this time, and not retried.
        let limited = ServerLine(parsing: "ERROR rate-limited too many lines too fast")
        #expect(machine.received(limited) == [.show(limited)])
        #expect(machine.userEntered("/read") == [.echo("/read"), .send("read")])
        let next = ServerLine(parsing: "OK 0 messages marked read")
        #expect(machine.received(next) == [.show(next)])
    }

    @Test func aNotAllowedAutomaticReadDoesNotHideTheUsersReadAnswer() {
        var machine = loggedInBob(.interactive)
        _ = machine.userEntered("/inbox")
        _ = machine.received(ServerLine(parsing: "INBOX 4 2026-12-04T10:00:00Z private alice: one"))
        _ = machine.received(ServerLine(parsing: "OK 1 message"))
        _ = machine.userEntered("/read")
        let refused = ServerLine(parsing: "ERROR not-allowed the server is shutting down")
        #expect(machine.received(refused) == [.show(refused)])
        let own = ServerLine(parsing: "OK 1 message marked read")
        #expect(machine.received(own) == [.show(own)])
    }

    // MARK: Reconnecting

    @Test func leavingWhileWaitingToReconnectIsImmediate() {
        for typed in ["/quit", "/tata", "tata", "/quit bye"] {
            var machine = loggedInBob(.interactive)
            _ = machine.disconnected(reason: "reset")
            #expect(machine.userEntered(typed) == [.echo(typed), .finish(.left)])
        }
        var scripted = loggedInBob(.scripted)
        _ = scripted.disconnected(reason: "reset")
        #expect(scripted.userEntered("/quit") == [.finish(.left)])
    }

    @Test func aDropAtThePasswordPromptShowsInputAgainAndDiscardsWhatIsTyped() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.userEntered("carol")
        #expect(machine.received(passwordPrompt) == [.setPrompt(.password("Enter password for carol:"))])
        #expect(machine.disconnected(reason: "reset") == [.setPrompt(.waiting), .finish(.dropped(reason: "reset"))])
        // The password, typed while disconnected: neither echoed nor kept.
        #expect(
            machine.userEntered("carol-password") == [.note("not sent: the connection was lost before login finished")]
        )
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.userEntered("carol")
        _ = machine.received(passwordPrompt)
        _ = machine.userEntered("carol-password")
        let welcome = ServerLine(parsing: "WELCOME carol Welcome")
        #expect(machine.received(welcome) == [.show(welcome), .setPrompt(.chatting(name: "carol"))])
    }

    @Test func theOlderInboxFormIsShownAsItIs() {
        var machine = loggedInBob(.interactive)
        let old = ServerLine(parsing: "INBOX 2026-12-04T10:00:00Z alice: one")
        let ok = ServerLine(parsing: "OK 1 messages; marked read")
        #expect(machine.received(old) == [.show(old)])
        #expect(machine.received(ok) == [.show(ok)])
    }

    private func loggedInBob(_ mode: Machine.Mode) -> Machine {
        var machine = Machine(mode: mode, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        return machine
    }
}
