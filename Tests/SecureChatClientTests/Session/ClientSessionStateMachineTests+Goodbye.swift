import Testing

@testable import SecureChatClient

/// Leaving on purpose and coming back: the closing `ping`/`tata` survive a rate-limit refusal, `tata` at a login
/// prompt is a goodbye, and a reconnect the server refuses because it still holds the old session backs off.
extension ClientSessionStateMachineTests {
    var refusal: ServerLine {
        ServerLine(parsing: "ERROR rate-limited too many lines too fast; try again in 1 second")
    }

    private func chattingBob(_ mode: Machine.Mode) -> Machine {
        var machine = Machine(mode: mode, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        return machine
    }

    // MARK: Rate-limit refusals

    @Test func aRefusedClosingPingIsSentAgainAndItsTimerRestarted() {
        var machine = chattingBob(.scripted)
        #expect(machine.inputEnded() == [.send("ping"), .startDrainTimer])
        #expect(machine.received(refusal) == [.show(refusal), .send("ping"), .startDrainTimer])
        #expect(machine.drainTimedOut() == [], "the first timer was for the refused ping")
        #expect(machine.received(pong) == [.send("tata"), .startLeaveTimer])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
    }

    @Test func whenTheRefusalWasForAnEarlierLineTheSecondPongIsNotShown() {
        var machine = chattingBob(.scripted)
        _ = machine.inputEnded()
        _ = machine.received(refusal)
        #expect(machine.received(pong) == [.send("tata"), .startLeaveTimer])
        #expect(machine.received(pong) == [])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
    }

    @Test func aRefusalWhileAReadIsUnansweredIsTheReadsNotThePings() {
        var machine = chattingBob(.scripted)
        _ = machine.userEntered("/inbox")
        _ = machine.received(ServerLine(parsing: "INBOX 4 2026-12-04T10:00:00Z private alice: one"))
        #expect(machine.received(ServerLine(parsing: "OK 1 message")).last == .send("read 4"))
        #expect(machine.inputEnded() == [.send("ping"), .startDrainTimer])
        #expect(machine.received(refusal) == [], "the automatic read's, retried after the next answer")
        #expect(machine.received(pong) == [.send("read 4"), .send("tata"), .startLeaveTimer])
    }

    @Test func aRefusedTataIsSaidAgain() {
        var machine = chattingBob(.interactive)
        #expect(machine.userEntered("/quit") == [.echo("/quit"), .send("tata"), .startLeaveTimer])
        #expect(machine.received(refusal) == [.show(refusal), .send("tata"), .startLeaveTimer])
        #expect(machine.leaveTimedOut() == [], "the first timer was for the refused tata")
        #expect(machine.leaveTimedOut() == [.finish(.left)])
    }

    @Test func aUsersOwnPingIsStillShownWhileLeaving() {
        var machine = chattingBob(.interactive)
        _ = machine.userEntered("/ping")
        _ = machine.userEntered("tata")
        #expect(machine.received(pong) == [.show(pong)])
    }

    // MARK: Leaving at a login prompt

    @Test func scriptedTataAtTheUsernamePromptLeavesWithoutFailing() {
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        #expect(machine.userEntered("tata") == [])
        #expect(machine.received(usernamePrompt) == [.show(usernamePrompt), .send("tata"), .startLeaveTimer])
        #expect(machine.inputEnded() == [])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
    }

    @Test func slashQuitAtTheUsernamePromptIsNotAName() {
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        #expect(machine.userEntered("/quit") == [.send("tata"), .startLeaveTimer])
        #expect(machine.disconnected(reason: "closed") == [.finish(.left)])
    }

    @Test func interactiveSlashTataAtThePasswordPromptLeaves() {
        var machine = Machine(mode: .interactive, name: "carol")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(passwordPrompt)
        #expect(machine.userEntered("/TATA") == [.echo("/TATA"), .send("tata"), .startLeaveTimer])
        #expect(machine.received(bye) == [.show(bye), .finish(.left)])
    }

    @Test func slashQuitWithAReasonAtThePasswordPromptLeavesWithoutSendingIt() {
        var machine = Machine(mode: .scripted, name: "dave")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(passwordPrompt)
        #expect(machine.userEntered("/quit see ya") == [.send("tata"), .startLeaveTimer])
    }

    /// At a login prompt a line goes as typed, so it is measured as typed; the prompt takes the next line.
    @Test func anOverlongScriptedLoginLineIsRefusedAndTheNextAnswersThePrompt() {
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        let long = String(repeating: "n", count: 4097)
        #expect(machine.userEntered(long) == [])
        #expect(machine.userEntered("carol") == [])
        #expect(
            machine.received(usernamePrompt) == [
                .show(usernamePrompt), .note("not sent: the line has 4097 bytes, over the limit of 4096"),
                .send("carol"),
            ]
        )
    }

    /// After a reconnect a scripted client answers the password prompt with the password of its login, never with
    /// the chat lines that follow in its input.
    @Test func aScriptedReconnectAnswersThePasswordPromptWithTheLoginsPassword() {
        let welcomeCarol = ServerLine(parsing: "WELCOME carol Welcome to chat room. Enter 'tata' anytime to exit")
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        _ = machine.userEntered("carol")
        _ = machine.userEntered("carol-password")
        _ = machine.received(usernamePrompt)
        #expect(machine.received(passwordPrompt) == [.show(passwordPrompt), .send("carol-password")])
        _ = machine.received(welcomeCarol)
        _ = machine.disconnected(reason: "reset")
        _ = machine.userEntered("my secret chat line")
        _ = machine.connected()
        #expect(machine.received(usernamePrompt) == [.send("carol")])
        #expect(machine.received(passwordPrompt) == [.send("carol-password")])
    }

    @Test func aNameThatOnlyStartsWithTataIsSentAsTyped() {
        var machine = Machine(mode: .interactive, name: nil)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        #expect(machine.userEntered("tatafan") == [.echo("tatafan"), .send("tatafan")])
    }

    // MARK: Reconnecting while the server still holds the old session

    private func droppedBob(_ mode: Machine.Mode, name: String?) -> Machine {
        var machine = Machine(mode: mode, name: name)
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        if name == nil {
            _ = machine.userEntered("bob")
        }
        _ = machine.received(welcomeBob)
        _ = machine.disconnected(reason: "reset")
        _ = machine.connected()
        return machine
    }

    @Test func aGuestsNameTakenOnReconnectIsAFailedAttemptWithTheSameName() {
        for mode in [Machine.Mode.interactive, .scripted] {
            var machine = droppedBob(mode, name: nil)
            #expect(machine.received(usernamePrompt) == [.send("bob")])
            let taken = ServerLine(parsing: "ERROR name-taken bob is online already; choose another name")
            let reason = "the server still counts bob as online from the previous connection"
            #expect(machine.received(taken) == [.finish(.dropped(reason: reason))])
            #expect(machine.received(usernamePrompt) == [], "the rest of that connection is ignored")
            #expect(machine.connected() == [.setPrompt(.waiting)])
            #expect(machine.received(usernamePrompt) == [.send("bob")])
            #expect(machine.received(welcomeBob) == [.show(welcomeBob), .setPrompt(.chatting(name: "bob"))])
        }
    }

    @Test func aRegisteredOrCertificateNameTakenOnReconnectIsAFailedAttemptToo() {
        var machine = droppedBob(.scripted, name: "Bob")
        let taken = ServerLine(parsing: "ERROR name-taken BOB is online already, logged in elsewhere")
        #expect(
            machine.received(taken) == [
                .finish(.dropped(reason: "the server still counts bob as online from the previous connection"))
            ]
        )
        #expect(machine.received(ServerLine(parsing: "BYE could not log in with this certificate")) == [])
    }

    /// A server that cannot log us in again yet (`server-error`: a cluster node not yet back in the cluster) is a
    /// failed attempt too, not a name prompt for the user to answer; at the first login it is only shown.
    @Test func aServerErrorOnReconnectIsAFailedAttempt() {
        for mode in [Machine.Mode.interactive, .scripted] {
            var machine = droppedBob(mode, name: nil)
            #expect(machine.received(usernamePrompt) == [.send("bob")])
            let refused = ServerLine(parsing: "ERROR server-error could not log you in; try again")
            #expect(
                machine.received(refused) == [
                    .finish(.dropped(reason: "the server could not log you in yet (server-error)"))
                ]
            )
            #expect(machine.received(usernamePrompt) == [], "the rest of that connection is ignored")
            #expect(machine.connected() == [.setPrompt(.waiting)])
            #expect(machine.received(usernamePrompt) == [.send("bob")])
        }
        var first = Machine(mode: .interactive, name: "bob")
        _ = first.connected()
        _ = first.received(usernamePrompt)
        let refused = ServerLine(parsing: "ERROR server-error could not log you in; try again")
        #expect(first.received(refused) == [.show(refused)])
    }

    @Test func anotherNameTakenOnReconnectIsShownAsBefore() {
        var machine = droppedBob(.interactive, name: nil)
        let taken = ServerLine(parsing: "ERROR name-taken carol is online already; choose another name")
        #expect(machine.received(taken) == [.show(taken)])
    }

    @Test func aNameTakenAtTheFirstLoginIsStillARefusal() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        let taken = ServerLine(parsing: "ERROR name-taken bob is online already; choose another name")
        #expect(machine.received(taken) == [.show(taken)])
        #expect(
            machine.received(usernamePrompt) == [.finish(.failed(reason: "the server did not accept the name bob"))]
        )
    }
}
