import ChatCore
import Testing

@Suite struct ProtocolErrorTests {
    @Test func codesAreTheProtocolTableInOrder() {
        #expect(
            ProtocolError.Code.allCases.map(\.wireName) == [
                "usage", "unknown-command", "unknown-user", "offline-guest", "blocked", "not-allowed",
                "no-certificate", "name-invalid", "name-taken", "name-reserved", "name-locked", "bad-password",
                "weak-password",
                "already-registered", "line-too-long", "invalid-utf8", "rate-limited", "server-error",
            ]
        )
    }

    static let lines: [(ProtocolError, String)] = [
        (.usage("wholast <minutes>"), "ERROR usage wholast <minutes>"),
        (.usage("history [N]", detail: "too big"), "ERROR usage history [N] (too big)"),
        (.unknownCommand("/dance"), "ERROR unknown-command /dance is not a command; type 'help' for the list"),
        (.unknownUser("nobody"), "ERROR unknown-user there is no user called nobody"),
        (
            .offlineGuest(Username.fixture("gus")),
            "ERROR offline-guest gus is a guest and offline; nothing is stored for guests"
        ),
        (.blocked(by: Username.fixture("bob")), "ERROR blocked bob does not accept messages from you"),
        (.notAllowed("history is kept for identities only"), "ERROR not-allowed history is kept for identities only"),
        (
            .nameInvalid("b@d"),
            "ERROR name-invalid 'b@d' is not a valid username; "
                + "a username is 1 to 32 characters: ASCII letters, digits, '_', '-' and '.'"
        ),
        (
            .nameInvalid(""),
            "ERROR name-invalid a username is 1 to 32 characters: ASCII letters, digits, '_', '-' and '.'"
        ),
        (.nameTaken(Username.fixture("bob")), "ERROR name-taken bob is online already; choose another name"),
        (.nameReservedWord("Help"), "ERROR name-reserved 'Help' is a reserved word; choose another name"),
        (
            .nameReservedForCertificate(Username.fixture("dave")),
            "ERROR name-reserved dave belongs to a certificate user; log in with that certificate or choose another name"
        ),
        (
            .nameLocked(Username.fixture("carol"), seconds: 60),
            "ERROR name-locked too many wrong passwords for carol; try again in 60 seconds"
        ),
        (
            .nameLocked(Username.fixture("carol"), seconds: 0),
            "ERROR name-locked too many wrong passwords for carol; try again in 1 second"
        ),
        (.badPassword, "ERROR bad-password wrong password"),
        (.weakPassword, "ERROR weak-password a password needs at least 8 characters"),
        (.alreadyRegistered(Username.fixture("alice")), "ERROR already-registered alice is registered already"),
        (
            .lineTooLong,
            "ERROR line-too-long a line may be at most 4096 bytes; the rest of this line was skipped"
        ),
        (
            .lineTooLong(limit: 4096, sealLimit: 16384),
            "ERROR line-too-long a line may be at most 4096 bytes (a seal line 16384); the rest of this line was skipped"
        ),
        (.invalidUTF8, "ERROR invalid-utf8 the line is not valid UTF-8 and was ignored"),
        (.rateLimited(retryAfterSeconds: 5), "ERROR rate-limited too many lines too fast; try again in 5 seconds"),
        (
            .serverError(),
            "ERROR server-error the command could not be completed"
        ),
    ]

    @Test(arguments: lines)
    func formats(error: ProtocolError, line: String) {
        #expect(ReplyFormatter.line(for: .error(error)) == line)
        #expect("ERROR \(error)" == line)
    }

    @Test func equalityComparesCodeAndMessage() {
        #expect(ProtocolError(code: .usage, message: "x") == ProtocolError(code: .usage, message: "x"))
        #expect(ProtocolError(code: .usage, message: "x") != ProtocolError(code: .usage, message: "y"))
        #expect(ProtocolError(code: .usage, message: "x") != ProtocolError(code: .notAllowed, message: "x"))
    }

    @Test func longEchoedInputIsClipped() {
        let long = "/" + String(repeating: "a", count: 4000)
        let message = ProtocolError.unknownCommand(long).message
        #expect(message.count < 100)
        #expect(message.hasPrefix("/aaaa"))
    }
}
