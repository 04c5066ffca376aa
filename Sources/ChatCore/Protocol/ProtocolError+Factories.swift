extension ProtocolError {
    /// A command with missing or malformed arguments: `usage <form>`, optionally followed by what was wrong.
    ///
    /// `.usage("wholast <minutes>")` is sent as `ERROR usage wholast <minutes>`.
    public static func usage(_ form: String, detail: String? = nil) -> ProtocolError {
        ProtocolError(code: .usage, message: detail.map { "\(form) (\($0))" } ?? form)
    }

    /// A line starting with `/` whose first word, `word` (as typed, with its slash), names no command.
    public static func unknownCommand(_ word: String) -> ProtocolError {
        ProtocolError(code: .unknownCommand, message: "\(clipped(word)) is not a command; type 'help' for the list")
    }

    /// Nobody called `name` exists (never seen, or offline without an identity).
    public static func unknownUser(_ name: String) -> ProtocolError {
        ProtocolError(code: .unknownUser, message: "there is no user called \(clipped(name))")
    }

    /// `name` is an offline guest, so nothing can be stored for them.
    public static func offlineGuest(_ name: Username) -> ProtocolError {
        ProtocolError(code: .offlineGuest, message: "\(name) is a guest and offline; nothing is stored for guests")
    }

    /// The recipient `name` blocks the sender.
    public static func blocked(by name: Username) -> ProtocolError {
        ProtocolError(code: .blocked, message: "\(name) does not accept messages from you")
    }

    /// The command is not available to this user; `reason` says why, e.g. "history is only kept for identities".
    public static func notAllowed(_ reason: String) -> ProtocolError {
        ProtocolError(code: .notAllowed, message: reason)
    }

    /// `name` has no certificate here to seal a message to; `reason` says why (a password user, a guest, …).
    public static func noCertificate(_ name: String, _ reason: String) -> ProtocolError {
        ProtocolError(code: .noCertificate, message: "\(name) \(reason)")
    }

    /// `raw` is not a valid username; the message states the rule.
    public static func nameInvalid(_ raw: String) -> ProtocolError {
        let rule = "a username is 1 to 32 characters: ASCII letters, digits, '_', '-' and '.'"
        let message = raw.isEmpty ? rule : "'\(clipped(raw))' is not a valid username; \(rule)"
        return ProtocolError(code: .nameInvalid, message: message)
    }

    /// `name` is online now.
    public static func nameTaken(_ name: Username) -> ProtocolError {
        ProtocolError(code: .nameTaken, message: "\(name) is online already; choose another name")
    }

    /// A registered or certificate user's name is online already; the connection closes (see
    /// `SessionStateMachine.nameLookedUp(_:)`), so there is no other name to choose on it.
    public static func identityNameInUse(_ name: Username) -> ProtocolError {
        ProtocolError(code: .nameTaken, message: "\(name) is online already")
    }

    /// A certificate's name is online already: its holder cannot choose another one.
    public static func certificateNameTaken(_ name: Username) -> ProtocolError {
        ProtocolError(code: .nameTaken, message: "\(name) is online already, logged in elsewhere")
    }

    /// `raw` is a reserved word (see ``Username/reservedWords``).
    public static func nameReservedWord(_ raw: String) -> ProtocolError {
        ProtocolError(code: .nameReserved, message: "'\(clipped(raw))' is a reserved word; choose another name")
    }

    /// `name` belongs to a certificate user and this connection has no such certificate.
    public static func nameReservedForCertificate(_ name: Username) -> ProtocolError {
        ProtocolError(
            code: .nameReserved,
            message: "\(name) belongs to a certificate user; log in with that certificate or choose another name"
        )
    }

    /// `name` is locked after too many wrong passwords, for `seconds` more seconds.
    public static func nameLocked(_ name: Username, seconds: Int) -> ProtocolError {
        let wait = OKSummary.counted(max(seconds, 1), "second")
        return ProtocolError(code: .nameLocked, message: "too many wrong passwords for \(name); try again in \(wait)")
    }

    /// A wrong password.
    public static let badPassword = ProtocolError(code: .badPassword, message: "wrong password")

    /// A password shorter than ``ProtocolLimits/minimumPasswordLength``.
    public static let weakPassword = ProtocolError(
        code: .weakPassword,
        message: "a password needs at least \(ProtocolLimits.minimumPasswordLength) characters"
    )

    /// `register` for `name`, which is registered already.
    public static func alreadyRegistered(_ name: Username) -> ProtocolError {
        ProtocolError(code: .alreadyRegistered, message: "\(name) is registered already")
    }

    /// A line over ``ProtocolLimits/maximumLineBytes``; the rest of it was skipped.
    public static let lineTooLong = lineTooLong(limit: ProtocolLimits.maximumLineBytes)

    /// A line longer than `limit` bytes (the server's configured maximum); the rest of it was skipped.
    public static func lineTooLong(limit: Int) -> ProtocolError {
        ProtocolError(
            code: .lineTooLong,
            message: "a line may be at most \(limit) bytes; the rest of this line was skipped"
        )
    }

    /// A line longer than `sealLimit` bytes, a `seal` line's limit, which is over every other line's `limit`; the
    /// framer skipped it without seeing its first word.
    public static func lineTooLong(limit: Int, sealLimit: Int) -> ProtocolError {
        ProtocolError(
            code: .lineTooLong,
            message:
                "a line may be at most \(limit) bytes (a seal line \(sealLimit)); the rest of this line was skipped"
        )
    }

    /// A line that is not valid UTF-8.
    public static let invalidUTF8 = ProtocolError(
        code: .invalidUTF8,
        message: "the line is not valid UTF-8 and was ignored"
    )

    /// Too many lines too fast; the client may retry after `retryAfterSeconds`.
    public static func rateLimited(retryAfterSeconds: Int) -> ProtocolError {
        let wait = OKSummary.counted(max(retryAfterSeconds, 1), "second")
        return ProtocolError(code: .rateLimited, message: "too many lines too fast; try again in \(wait)")
    }

    /// The server could not complete the command; nothing was acknowledged.
    public static func serverError(_ detail: String = "the command could not be completed") -> ProtocolError {
        ProtocolError(code: .serverError, message: detail)
    }

    /// A new name that does not start with a letter (stored names that do not still log in).
    public static func nameNotStartingWithLetter(_ name: Username) -> ProtocolError {
        ProtocolError(
            code: .nameInvalid,
            message: "'\(name)' is not a valid new username; a new name must start with an ASCII letter"
        )
    }

    /// A certificate whose CN spells `name` otherwise than the certificate identity it would take over.
    public static func certificateNameSpelledOtherwise(_ name: Username, stored: String) -> ProtocolError {
        ProtocolError(
            code: .nameReserved,
            message: "\(stored) belongs to a certificate with exactly that name; a certificate for \(name) is not it"
        )
    }

    /// Echoed user input is cut to a readable length, so an error never repeats a whole 4 KiB line.
    static func clipped(_ text: String, maximum: Int = 40) -> String {
        text.count <= maximum ? text : text.prefix(maximum) + "…"
    }
}
