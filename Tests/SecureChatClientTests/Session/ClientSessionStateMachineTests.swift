import Testing

@testable import SecureChatClient

@Suite struct ClientSessionStateMachineTests {
    typealias Machine = ClientSessionStateMachine
    let usernamePrompt = ServerLine(parsing: "PROMPT Enter username:")
    let passwordPrompt = ServerLine(parsing: "PROMPT Enter password for carol:")
    let welcomeBob = ServerLine(parsing: "WELCOME bob Welcome to chat room. Enter 'tata' anytime to exit")
    let pong = ServerLine(parsing: "OK pong")
    let bye = ServerLine(parsing: "BYE DISCONNECTED!!")

    // MARK: Interactive

    @Test func interactiveLoginThenChatThenTata() {
        var machine = Machine(mode: .interactive, name: nil)
        #expect(machine.connected() == [.setPrompt(.waiting)])
        #expect(machine.received(usernamePrompt) == [.setPrompt(.username("Enter username:"))])
        #expect(machine.userEntered("bob") == [.send("bob")])
        #expect(machine.received(welcomeBob) == [.show(welcomeBob), .setPrompt(.chatting(name: "bob"))])
        #expect(machine.userEntered("hello") == [.send("hello")])
        let chat = ServerLine(parsing: "CHAT alice: hi")
        #expect(machine.received(chat) == [.show(chat)])
        #expect(machine.userEntered("tata") == [.send("tata"), .startLeaveTimer])
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
        #expect(machine.disconnected(reason: "reset") == [.finish(.dropped(reason: "reset"))])
        #expect(machine.userEntered("typed while away") == [])
        #expect(machine.connected() == [.setPrompt(.waiting)])
        #expect(machine.received(usernamePrompt) == [.send("bob")])
        #expect(
            machine.received(welcomeBob) == [
                .show(welcomeBob), .setPrompt(.chatting(name: "bob")), .send("typed while away"),
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

    @Test func scriptedWithNameQueuesInputUntilWelcomeThenDrainsWithPing() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        #expect(machine.userEntered("whoelse") == [])
        #expect(machine.userEntered("hello all") == [])
        #expect(machine.inputEnded() == [])
        #expect(machine.received(usernamePrompt) == [.send("bob")])
        #expect(
            machine.received(welcomeBob) == [
                .show(welcomeBob), .setPrompt(.chatting(name: "bob")),
                .send("whoelse"), .send("hello all"), .send("ping"), .startDrainTimer,
            ]
        )
        let user = ServerLine(parsing: "USER alice")
        let ok = ServerLine(parsing: "OK 1 other user online")
        #expect(machine.received(user) == [.show(user)])
        #expect(machine.received(ok) == [.show(ok)])
        #expect(machine.received(pong) == [.finish(.left)])
    }

    @Test func scriptedWithoutNameAnswersOnePromptPerLine() {
        var machine = Machine(mode: .scripted, name: nil)
        _ = machine.connected()
        #expect(machine.userEntered("carol") == [])
        #expect(machine.userEntered("secret-password") == [])
        #expect(machine.userEntered("inbox") == [])
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
        #expect(machine.userEntered("ping") == [.send("ping")])
        #expect(machine.inputEnded() == [.send("ping"), .startDrainTimer])
        #expect(machine.received(pong) == [.show(pong)])
        #expect(machine.received(pong) == [.finish(.left)])
    }

    @Test func scriptedTataWaitsForBye() {
        var machine = Machine(mode: .scripted, name: "bob")
        _ = machine.connected()
        _ = machine.received(usernamePrompt)
        _ = machine.received(welcomeBob)
        #expect(machine.userEntered("/TATA") == [.send("/TATA"), .startLeaveTimer])
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
        #expect(
            machine.drainTimedOut() == [
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
        #expect(machine.disconnected(reason: "reset") == [.finish(.dropped(reason: "reset"))])
    }

    @Test func commandWords() {
        #expect(Machine.commandWord("/Tata") == "tata")
        #expect(Machine.commandWord("send bob hi") == "send")
        #expect(Machine.commandWord("") == "")
    }
}
