import Testing

@testable import SecureChatClient

/// `/seal`: the machine asks for the recipient's certificate, hands it to the runtime to check and seal with, and
/// keeps the `cert` answer's `OK` off the screen.
@Suite struct ClientSessionStateMachineSealingTests {
    typealias Machine = ClientSessionStateMachine

    private func loggedInAlice(sealingUnavailable: String? = nil) -> Machine {
        var machine = Machine(mode: .interactive, name: "alice", sealingUnavailable: sealingUnavailable)
        _ = machine.connected()
        _ = machine.received(ServerLine(parsing: "PROMPT Enter username:"))
        _ = machine.received(ServerLine(parsing: "WELCOME alice Welcome to chat room. Enter 'tata' anytime to exit"))
        return machine
    }

    @Test func sealFetchesTheCertificateThenSealsWithIt() {
        var machine = loggedInAlice()
        #expect(machine.userEntered("/seal Bob meet at 6") == [.echo("/seal Bob meet at 6"), .send("cert Bob")])
        #expect(
            machine.received(ServerLine(parsing: "CERT bob MIIB")) == [
                .seal(to: "bob", text: "meet at 6", certificate: "MIIB")
            ]
        )
        #expect(machine.received(ServerLine(parsing: "OK certificate of bob")) == [])
        // The seal's own answer is shown.
        let delivered = ServerLine(parsing: "OK delivered to bob")
        #expect(machine.received(delivered) == [.show(delivered)])
        // A `cert` the user typed themselves is shown with its answer.
        let certificate = ServerLine(parsing: "CERT carol MIIC")
        #expect(machine.received(certificate) == [.show(certificate)])
    }

    @Test func aRefusedCertificateDropsTheMessageWithANote() {
        var machine = loggedInAlice()
        _ = machine.userEntered("/seal dora hi")
        let refusal = ServerLine(parsing: "ERROR no-certificate dora logs in with a password and has no certificate")
        #expect(machine.received(refusal) == [.show(refusal), .note("not sent: the message to dora was not sealed")])
        let other = ServerLine(parsing: "ERROR unknown-user there is no user called zed")
        #expect(machine.received(other) == [.show(other)], "nothing is waiting any more")
    }

    @Test func oneCertificateRequestAtATimeSoARefusedMessageIsNeverSentLater() {
        var machine = loggedInAlice()
        #expect(machine.userEntered("/seal bob FIRST") == [.echo("/seal bob FIRST"), .send("cert bob")])
        #expect(machine.userEntered("/seal bob SECOND") == [.echo("/seal bob SECOND")], "waits for the first")
        let refusal = ServerLine(parsing: "ERROR rate-limited too many lines; try again in 1 s")
        #expect(
            machine.received(refusal)
                == [.show(refusal), .note("not sent: the message to bob was not sealed"), .send("cert bob")]
        )
        #expect(
            machine.received(ServerLine(parsing: "CERT bob MIIB"))
                == [.seal(to: "bob", text: "SECOND", certificate: "MIIB")]
        )
        // A late certificate for the refused request is only shown.
        let late = ServerLine(parsing: "CERT bob MIIB")
        #expect(machine.received(late) == [.show(late)])
    }

    @Test func anotherCommandsRefusalLeavesTheRequestWaiting() {
        var machine = loggedInAlice()
        _ = machine.userEntered("/seal bob hello")
        let other = ServerLine(parsing: "ERROR unknown-user there is no user called nobody")
        #expect(machine.received(other) == [.show(other)])
        let invalid = ServerLine(parsing: "ERROR no-certificate dora logs in with a password and has no certificate")
        #expect(machine.received(invalid) == [.show(invalid)])
        #expect(
            machine.received(ServerLine(parsing: "CERT bob MIIB"))
                == [.seal(to: "bob", text: "hello", certificate: "MIIB")]
        )
    }

    @Test func aDroppedConnectionSaysWhatWasNotSent() {
        var machine = loggedInAlice()
        _ = machine.userEntered("/seal bob hello")
        #expect(
            machine.disconnected(reason: "gone")
                == [
                    .note("not sent: 1 sealed message(s) still waiting for a certificate"), .setPrompt(.waiting),
                    .finish(.dropped(reason: "gone")),
                ]
        )
    }

    @Test func withoutACertificateNothingIsSentAndTheUserIsToldWhy() {
        var machine = loggedInAlice(sealingUnavailable: "sealed messages need a client certificate")
        #expect(
            machine.userEntered("/seal bob hi")
                == [.echo("/seal bob hi"), .note("not sent: sealed messages need a client certificate")]
        )
    }

    @Test func sealAndAcceptAreTheClientsOwnCommands() {
        #expect(TypedLine.interpret("/seal bob  two  spaces") == .seal(recipient: "bob", text: " two  spaces"))
        #expect(TypedLine.interpret("/seal bob") == .refused("usage: /seal <user> <text>"))
        #expect(TypedLine.interpret("/accept bob") == .accept("bob"))
        #expect(TypedLine.interpret("/accept") == .refused("usage: /accept <user>"))
        #expect(TypedLine.interpret("/keys") == .keys(nil))
        #expect(TypedLine.interpret("/keys bob") == .keys("bob"))
        #expect(TypedLine.interpret("/keys bob carol") == .refused("usage: /keys [<user>]"))
        var machine = loggedInAlice()
        #expect(machine.userEntered("/accept bob") == [.echo("/accept bob"), .acceptKey("bob")])
        #expect(machine.userEntered("/keys bob") == [.echo("/keys bob"), .showKeys("bob")])
        var without = loggedInAlice(sealingUnavailable: "no certificate")
        #expect(without.userEntered("/keys") == [.echo("/keys"), .note("no certificate")])
    }
}
