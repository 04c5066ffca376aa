import ChatCore
import Testing

@Suite struct SessionStateMachineTests {
    private func name(_ raw: String) -> Username { try! Username.validate(raw).get() }

    @Test func aGuestLogsInAfterTheNameIsFoundFree() {
        var machine = SessionStateMachine()
        #expect(machine.handshakeCompleted(certificateName: nil) == .send([.promptUsername]))
        #expect(machine.lineReceived("tesla") == .lookUpName(name("tesla")))
        #expect(machine.nameLookedUp(.available) == .join(name("tesla"), .guest))
        #expect(machine.joined() == .none)
        #expect(SessionStateMachine.greeting(for: name("tesla"), unread: 0) == [.welcome(name("tesla"))])
        #expect(machine.user?.name == name("tesla"))
        #expect(!machine.isLoggingIn)
    }

    @Test func aVerifiedCertificateJoinsWithoutAPrompt() {
        var machine = SessionStateMachine()
        #expect(machine.handshakeCompleted(certificateName: "alice") == .join(name("alice"), .certificate))
        #expect(machine.joined() == .none)
        #expect(
            SessionStateMachine.greeting(for: name("alice"), unread: 2) == [
                .welcome(name("alice")), .unreadMessages(2),
            ]
        )
        #expect(machine.user?.identity == .certificate)
    }

    @Test func aCertificateNameThatIsNoUsernameClosesTheConnection() {
        var machine = SessionStateMachine()
        guard case .close(let replies) = machine.handshakeCompleted(certificateName: "Not A Name") else {
            Issue.record("expected close")
            return
        }
        #expect(replies.count == 2)
        #expect(machine.lineReceived("anything") == .none)
    }

    @Test func aCertificateWithoutACNClosesTheConnection() {
        var machine = SessionStateMachine()
        guard case .close(let replies) = machine.handshakeCompleted(certificateName: ""),
            case .error(let error)? = replies.first
        else {
            Issue.record("expected close with an error")
            return
        }
        #expect(error.code == .nameInvalid)
        #expect(replies.last == .bye("certificate name is not a valid username"))
    }

    @Test func aCertificateNameOnlineElsewhereIsRefusedWithoutAdviceToChooseAnother() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: "alice")
        let action = machine.joinRefused(.nameTaken(name("alice")))
        #expect(
            action
                == .close([
                    .error(.certificateNameTaken(name("alice"))), .bye("could not log in with this certificate"),
                ])
        )
        #expect(machine.lineReceived("anything") == .none)
    }

    @Test func invalidNamesAndNamesTakenByGuestsAskAgain() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        guard case .send(let invalid) = machine.lineReceived("no spaces please") else {
            Issue.record("expected an error")
            return
        }
        #expect(invalid.last == .promptUsername)
        #expect(machine.lineReceived("alice") == .lookUpName(name("alice")))
        #expect(machine.nameLookedUp(.online) == .send([.error(.nameTaken(name("alice"))), .promptUsername]))
        #expect(machine.isLoggingIn)
    }

    /// A refused name that is an identity may be followed by its password: asking for a name again would take that
    /// password for a guest's name, so the connection is closed instead.
    @Test func aRefusedIdentityNameClosesTheConnection() {
        var online = SessionStateMachine()
        _ = online.handshakeCompleted(certificateName: nil)
        _ = online.lineReceived("alice")
        #expect(
            online.nameLookedUp(.onlineIdentity)
                == .close([.error(.identityNameInUse(name("alice"))), .bye("this name is in use")])
        )
        #expect(online.lineReceived("alice-password") == .none)

        var reserved = SessionStateMachine()
        _ = reserved.handshakeCompleted(certificateName: nil)
        _ = reserved.lineReceived("alice")
        #expect(
            reserved.nameLookedUp(.reservedForCertificate)
                == .close([.error(.nameReservedForCertificate(name("alice"))), .bye("this name needs its certificate")])
        )
        #expect(reserved.lineReceived("alice-password") == .none)
    }

    /// Asking for a name again would take the next line, most likely the password, for a guest's name.
    @Test func aNameThisSourceIsLockedOutOfClosesTheConnection() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("alice")
        #expect(
            machine.nameLookedUp(.locked(secondsLeft: 42))
                == .close([.error(.nameLocked(name("alice"), seconds: 42)), .bye("too many wrong passwords")])
        )
        #expect(machine.lineReceived("the password") == .none)
    }

    @Test(arguments: [".", "-rf", "...", "12345", "_x", "9lives"])
    func aNewNameMustStartWithALetter(raw: String) {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        #expect(machine.lineReceived(raw) == .lookUpName(name(raw)))
        #expect(
            machine.nameLookedUp(.available) == .send([.error(.nameNotStartingWithLetter(name(raw))), .promptUsername])
        )
        #expect(machine.isLoggingIn)
    }

    @Test func aStoredNameNotStartingWithALetterStillLogsIn() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("12345")
        #expect(machine.nameLookedUp(.registered(passwordHash: "h")) == .send([.promptPassword(for: name("12345"))]))
        _ = machine.lineReceived("right-password")
        #expect(machine.passwordVerified(true) == .join(name("12345"), .registered))
    }

    /// `register` takes its password as one word, so the prompt's answer is taken without the spaces around it.
    @Test(arguments: ["padded-pass", "  padded-pass  ", "\tpadded-pass "])
    func spacesAroundAPasswordAreNotPartOfIt(typed: String) {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("carol")
        _ = machine.nameLookedUp(.registered(passwordHash: "h"))
        #expect(machine.lineReceived(typed) == .verifyPassword(name("carol"), password: "padded-pass", hash: "h"))
    }

    @Test func passwordsAreVerifiedAndWrongOnesCounted() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("carol")
        #expect(machine.nameLookedUp(.registered(passwordHash: "h")) == .send([.promptPassword(for: name("carol"))]))
        #expect(machine.lineReceived("nope") == .verifyPassword(name("carol"), password: "nope", hash: "h"))
        #expect(machine.passwordVerified(false) == .recordWrongPassword(name("carol")))
        #expect(
            machine.wrongPasswordRecorded(lockSeconds: nil)
                == .send([.error(.badPassword), .promptPassword(for: name("carol"))])
        )
        _ = machine.lineReceived("nope again")
        _ = machine.passwordVerified(false)
        #expect(
            machine.wrongPasswordRecorded(lockSeconds: 60)
                == .close([.error(.nameLocked(name("carol"), seconds: 60)), .bye("too many wrong passwords")])
        )
        #expect(machine.lineReceived("carol") == .none)

        var again = SessionStateMachine()
        _ = again.handshakeCompleted(certificateName: nil)
        _ = again.lineReceived("carol")
        _ = again.nameLookedUp(.registered(passwordHash: "h"))
        _ = again.lineReceived("right")
        #expect(again.passwordVerified(true) == .join(name("carol"), .registered))
    }

    /// `tata` leaves at every prompt and is not taken for a wrong password.
    @Test(arguments: ["tata", " TATA ", "/tata", "/Tata"])
    func tataAtThePasswordPromptLeaves(typed: String) {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("carol")
        _ = machine.nameLookedUp(.registered(passwordHash: "h"))
        #expect(machine.lineReceived(typed) == .close([.disconnected]))
        #expect(!machine.isLoggingIn)
    }

    @Test func floodingBeforeWelcomeIsToldWithByeOnly() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        #expect(machine.lineRejected(.rateLimited(retryAfterSeconds: 1)).isSendEndingWithPrompt)
        #expect(machine.terminate(because: "too many lines too fast") == .close([.bye("too many lines too fast")]))

        var chatting = SessionStateMachine()
        _ = chatting.handshakeCompleted(certificateName: "bob")
        _ = chatting.joined()
        #expect(
            chatting.terminate(because: "too many lines too fast")
                == .close([.notice("too many lines too fast"), .bye("too many lines too fast")])
        )
    }

    @Test func commandsChatAndTata() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: "alice")
        _ = machine.joined()
        #expect(machine.lineReceived("hello") == .say("hello"))
        #expect(machine.lineReceived("whoelse") == .perform(.whoelse))
        #expect(machine.lineReceived("   ") == .none)
        guard case .send(let replies) = machine.lineReceived("/nope"), case .error(let error)? = replies.first else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == .unknownCommand)
        #expect(machine.lineReceived("tata") == .close([.disconnected]))
        #expect(machine.lineReceived("hello?") == .none)
    }

    @Test(arguments: ["tata", "TATA", "/tata", " /Tata "])
    func tataAtTheUsernamePromptLeaves(typed: String) {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        #expect(machine.lineReceived(typed) == .close([.disconnected]))
    }

    @Test func rejectedLinesRepeatThePromptWhileLoggingIn() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        #expect(machine.lineRejected(.lineTooLong) == .send([.error(.lineTooLong), .promptUsername]))
    }

    @Test func theLoginDeadlineOnlyMattersBeforeWelcome() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        #expect(machine.loginTimedOut() == .close([.bye("login timed out")]))

        var chatting = SessionStateMachine()
        _ = chatting.handshakeCompleted(certificateName: "bob")
        _ = chatting.joined()
        #expect(chatting.loginTimedOut() == .none)
    }

    @Test func aNameLockedDuringThePasswordPromptRefusesTheAttempt() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("carol")
        _ = machine.nameLookedUp(.registered(passwordHash: "h"))
        _ = machine.lineReceived("guess")
        #expect(
            machine.passwordRefusedWhileLocked(seconds: 50)
                == .close([.error(.nameLocked(name("carol"), seconds: 50)), .bye("too many wrong passwords")])
        )
        #expect(!machine.isLoggingIn)
    }

    @Test func aPasswordThatCouldNotBeCheckedIsAskedForAgain() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("carol")
        _ = machine.nameLookedUp(.registered(passwordHash: "h"))
        _ = machine.lineReceived("secret")
        #expect(
            machine.passwordCheckUnavailable()
                == .send([
                    .error(.serverError("could not check the password; try again")),
                    .promptPassword(for: name("carol")),
                ])
        )
        #expect(machine.lineReceived("secret") == .verifyPassword(name("carol"), password: "secret", hash: "h"))
    }

    @Test func aStoreFailureDuringLookUpAsksAgain() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("carol")
        guard case .send(let replies) = machine.nameLookedUp(.unknown) else {
            Issue.record("expected an error")
            return
        }
        #expect(replies.last == .promptUsername)
        #expect(machine.lineReceived("carol") == .lookUpName(name("carol")))
    }

    /// A registered name taken by another connection while this one typed its password: no name prompt, whose
    /// answer would likely be the password again and would become a guest's public name.
    @Test func aJoinRaceAfterTheRightPasswordEndsTheConnection() {
        var machine = joiningAsRegisteredCarol()
        #expect(
            machine.joinRefused(.nameTaken(name("carol")))
                == .close([.error(.identityNameInUse(name("carol"))), .bye("this name is in use")])
        )
        #expect(machine.lineReceived("s3cret-pass") == .none)
    }

    /// Any other refusal of a registered join (the store failed) asks for the name again, as for a guest.
    @Test func aRegisteredJoinRefusedForAnotherReasonAsksAgain() {
        var machine = joiningAsRegisteredCarol()
        #expect(machine.joinRefused(.serverError("x")).isSendEndingWithPrompt)
    }

    /// A machine that typed the registered name `carol` and its right password, and is joining.
    private func joiningAsRegisteredCarol() -> SessionStateMachine {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("carol")
        _ = machine.nameLookedUp(.registered(passwordHash: "hash"))
        _ = machine.lineReceived("s3cret-pass")
        #expect(machine.passwordVerified(true) == .join(name("carol"), .registered))
        return machine
    }

    @Test func aJoinRaceAsksForAnotherName() {
        var machine = SessionStateMachine()
        _ = machine.handshakeCompleted(certificateName: nil)
        _ = machine.lineReceived("bob")
        _ = machine.nameLookedUp(.available)
        #expect(
            machine.joinRefused(.nameTaken(name("bob"))) == .send([.error(.nameTaken(name("bob"))), .promptUsername])
        )
    }
}

extension SessionStateMachine.Action {
    /// Whether this sends lines that end with the username prompt.
    fileprivate var isSendEndingWithPrompt: Bool {
        if case .send(let replies) = self { return replies.last == .promptUsername }
        return false
    }
}
