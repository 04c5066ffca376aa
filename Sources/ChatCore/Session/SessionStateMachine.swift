/// One connection's login and command flow: events in, actions out, no I/O.
///
/// The connection task feeds every event (handshake, line, result of a look-up) into the machine and carries out the
/// action it returns, then feeds the outcome back. It processes one event at a time, so a look-up is always answered
/// before the next line is read.
public struct SessionStateMachine: Sendable {
    /// What the connection task must do next.
    public enum Action: Sendable, Equatable {
        /// Send these lines.
        case send([ServerReply])
        /// Find out whether `name` is free, registered, reserved or locked; answer with `nameLookedUp(_:)`.
        case lookUpName(Username)
        /// Check `password` against `hash` (slow: off the event loop); answer with `passwordVerified(_:)`.
        case verifyPassword(Username, password: String, hash: String)
        /// Count a wrong password for `name`; answer with `wrongPasswordRecorded(lockSeconds:)`.
        case recordWrongPassword(Username)
        /// Enter the room, greeting the user with `greeting(for:unread:)` before anyone else can reach them; answer
        /// with `joined()` or `joinRefused(_:)`.
        case join(Username, IdentityKind)
        /// Carry out a command for the logged-in user and send its answer.
        case perform(ClientCommand)
        /// Send a chat line to the room.
        case say(String)
        /// Send these lines, leave the room (if in it) and close the connection.
        case close([ServerReply])
        /// Nothing to do.
        case none
    }

    private enum State: Sendable, Equatable {
        case awaitingHandshake
        case awaitingName
        case checkingName(Username)
        case awaitingPassword(Username, hash: String)
        case checkingPassword(Username, hash: String)
        case recordingFailure(Username, hash: String)
        case joining(Username, IdentityKind)
        case chatting(Username, IdentityKind)
        case closed
    }

    private var state: State = .awaitingHandshake

    /// A machine waiting for the TLS handshake.
    public init() {}

    /// The logged-in user's name and identity, once in the room.
    public var user: (name: Username, identity: IdentityKind)? {
        if case .chatting(let name, let identity) = state { return (name, identity) }
        return nil
    }

    /// Whether the machine is still waiting for a name or password.
    public var isLoggingIn: Bool {
        switch state {
        case .awaitingHandshake, .awaitingName, .checkingName, .awaitingPassword, .checkingPassword,
            .recordingFailure, .joining:
            true
        case .chatting, .closed:
            false
        }
    }

    /// The TLS handshake finished; `certificateName` is the CN of a verified client certificate (empty if it has no
    /// usable CN, which is refused), `nil` without one.
    public mutating func handshakeCompleted(certificateName: String?) -> Action {
        guard case .awaitingHandshake = state else { preconditionFailure("Invalid state: \(state)") }
        guard let certificateName else {
            state = .awaitingName
            return .send([.promptUsername])
        }
        switch Username.validate(certificateName) {
        case .success(let name):
            state = .joining(name, .certificate)
            return .join(name, .certificate)
        case .failure(let error):
            state = .closed
            return .close([.error(error), .bye("certificate name is not a valid username")])
        }
    }

    /// A complete, decoded line arrived.
    public mutating func lineReceived(_ line: String) -> Action {
        switch state {
        case .awaitingName:
            return nameReceived(line)
        case .awaitingPassword(let name, let hash):
            // `register` takes the password as one word, so spaces around the typed answer are not part of it.
            let password = Self.trimmingSpaces(line)
            // `tata` leaves at every prompt; it cannot be a password (they have at least 8 characters).
            if Self.isLeave(password) {
                state = .closed
                return .close([.disconnected])
            }
            state = .checkingPassword(name, hash: hash)
            return .verifyPassword(name, password: password, hash: hash)
        case .chatting:
            return chatLineReceived(line)
        case .closed:
            return .none
        case .awaitingHandshake, .checkingName, .checkingPassword, .recordingFailure, .joining:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    /// A line could not be used (too long, not UTF-8).
    public mutating func lineRejected(_ error: ProtocolError) -> Action {
        switch state {
        case .awaitingName:
            return .send([.error(error), .promptUsername])
        case .awaitingPassword(let name, _):
            return .send([.error(error), .promptPassword(for: name)])
        case .chatting:
            return .send([.error(error)])
        case .closed:
            return .none
        case .awaitingHandshake, .checkingName, .checkingPassword, .recordingFailure, .joining:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    /// The answer to `.lookUpName`.
    public mutating func nameLookedUp(_ status: NameStatus) -> Action {
        guard case .checkingName(let name) = state else { preconditionFailure("Invalid state: \(state)") }
        switch status {
        case .available:
            guard name.mayBeTakenAnew else {
                state = .awaitingName
                return .send([.error(.nameNotStartingWithLetter(name)), .promptUsername])
            }
            state = .joining(name, .guest)
            return .join(name, .guest)
        case .registered(let hash):
            state = .awaitingPassword(name, hash: hash)
            return .send([.promptPassword(for: name)])
        case .reservedForCertificate:
            // Like a lock-out: a client that has the name's old password may send it next, and asking for a name
            // again would take that password for a guest's name.
            state = .closed
            return .close([.error(.nameReservedForCertificate(name)), .bye("this name needs its certificate")])
        case .online:
            state = .awaitingName
            return .send([.error(.nameTaken(name)), .promptUsername])
        case .onlineIdentity:
            // The same for a registered name online elsewhere: its password may come next.
            state = .closed
            return .close([.error(.identityNameInUse(name)), .bye("this name is in use")])
        case .locked(let seconds):
            return lockedOut(name, seconds: seconds)
        case .unknown:
            state = .awaitingName
            return .send([.error(.serverError("could not look up this name; try again")), .promptUsername])
        }
    }

    /// This connection's source got locked out of the name (by wrong passwords on other connections from it) while
    /// this one was at its password prompt: the attempt is not even checked.
    public mutating func passwordRefusedWhileLocked(seconds: Int) -> Action {
        guard case .checkingPassword(let name, _) = state else { preconditionFailure("Invalid state: \(state)") }
        return lockedOut(name, seconds: seconds)
    }

    /// The password could not be checked (the store failed): a server error, and the password prompt again. The
    /// attempt counts neither way.
    public mutating func passwordCheckUnavailable() -> Action {
        guard case .checkingPassword(let name, let hash) = state else { preconditionFailure("Invalid state: \(state)") }
        state = .awaitingPassword(name, hash: hash)
        return .send([.error(.serverError("could not check the password; try again")), .promptPassword(for: name)])
    }

    /// The connection's source is locked out of `name`: say so and close. Asking for a name again would take the
    /// next line, most likely a password, for a guest's name.
    private mutating func lockedOut(_ name: Username, seconds: Int) -> Action {
        state = .closed
        return .close([.error(.nameLocked(name, seconds: seconds)), .bye(Self.lockedOutReason)])
    }

    /// The `BYE` reason after a lock-out.
    public static let lockedOutReason = "too many wrong passwords"

    /// The answer to `.verifyPassword`.
    public mutating func passwordVerified(_ correct: Bool) -> Action {
        guard case .checkingPassword(let name, let hash) = state else {
            preconditionFailure("Invalid state: \(state)")
        }
        if correct {
            state = .joining(name, .registered)
            return .join(name, .registered)
        }
        state = .recordingFailure(name, hash: hash)
        return .recordWrongPassword(name)
    }

    /// The answer to `.recordWrongPassword`: the lock's length when this failure locked the name.
    public mutating func wrongPasswordRecorded(lockSeconds: Int?) -> Action {
        guard case .recordingFailure(let name, let hash) = state else {
            preconditionFailure("Invalid state: \(state)")
        }
        if let lockSeconds {
            return lockedOut(name, seconds: lockSeconds)
        }
        state = .awaitingPassword(name, hash: hash)
        return .send([.error(.badPassword), .promptPassword(for: name)])
    }

    /// Whether a line typed at a prompt is `tata`, which leaves there as everywhere (with or without the `/` every
    /// command word may carry).
    static func isLeave(_ line: String) -> Bool {
        let word = line.hasPrefix("/") ? line.dropFirst() : Substring(line)
        return CommandVerb(matching: word) == .tata
    }

    /// `line` without the spaces and tabs around it.
    static func trimmingSpaces(_ line: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = line.firstIndex(where: { !isSpace($0) }), let last = line.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(line[first...last])
    }

    /// The lines that greet `name` on entering the room, with `unread` stored messages waiting. The room sends them
    /// as part of the join, so that they come before anything another user says to the newcomer.
    public static func greeting(for name: Username, unread: Int) -> [ServerReply] {
        unread > 0 ? [.welcome(name), .unreadMessages(unread)] : [.welcome(name)]
    }

    /// The answer to `.join`: in the room (and already greeted).
    public mutating func joined() -> Action {
        guard case .joining(let name, let identity) = state else { preconditionFailure("Invalid state: \(state)") }
        state = .chatting(name, identity)
        return .none
    }

    /// The answer to `.join` when the name was taken in the meantime.
    public mutating func joinRefused(_ error: ProtocolError) -> Action {
        guard case .joining(let name, let identity) = state else { preconditionFailure("Invalid state: \(state)") }
        if identity == .certificate {
            state = .closed
            // A certificate user cannot choose another name: say so instead of the prompt's advice.
            let refusal = error.code == .nameTaken ? .certificateNameTaken(name) : error
            return .close([.error(refusal), .bye("could not log in with this certificate")])
        }
        if identity == .registered, error.code == .nameTaken {
            // Someone logged in under the name while this connection typed its password: the user's next line may
            // well be that password again, which a name prompt would take for a guest's name (as `.onlineIdentity`).
            state = .closed
            return .close([.error(.identityNameInUse(name)), .bye("this name is in use")])
        }
        state = .awaitingName
        return .send([.error(error), .promptUsername])
    }

    /// A guest registered a password: from now on the session has an identity.
    public mutating func registered() {
        guard case .chatting(let name, .guest) = state else { preconditionFailure("Invalid state: \(state)") }
        state = .chatting(name, .registered)
    }

    /// The login did not finish in time.
    public mutating func loginTimedOut() -> Action {
        guard isLoggingIn else { return .none }
        state = .closed
        return .close([.bye("login timed out")])
    }

    /// The session must end for a reason the user is told (e.g. their certificate expired).
    public mutating func terminate(because reason: String) -> Action {
        if case .closed = state { return .none }
        // Before `WELCOME` nothing but `ERROR`, `PROMPT` and `BYE` is sent (ordering rule 1).
        let replies: [ServerReply] = isLoggingIn ? [.bye(reason)] : [.notice(reason), .bye(reason)]
        state = .closed
        return .close(replies)
    }

    /// The server is shutting down.
    public mutating func serverShuttingDown() -> Action {
        if case .closed = state { return .none }
        state = .closed
        return .close([.serverShuttingDown, .bye("server is shutting down")])
    }

    /// The connection is gone; no further events follow.
    public mutating func connectionClosed() {
        state = .closed
    }

    private mutating func nameReceived(_ line: String) -> Action {
        let trimmed = String(line.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        if trimmed.isEmpty {
            return .send([.promptUsername])
        }
        if Self.isLeave(trimmed) {
            state = .closed
            return .close([.disconnected])
        }
        switch Username.validate(trimmed) {
        case .success(let name):
            state = .checkingName(name)
            return .lookUpName(name)
        case .failure(let error):
            return .send([.error(error), .promptUsername])
        }
    }

    private mutating func chatLineReceived(_ line: String) -> Action {
        switch CommandParser.parse(line) {
        case .empty:
            return .none
        case .chat(let text):
            return .say(text)
        case .invalid(let error):
            return .send([.error(error)])
        case .command(.tata):
            state = .closed
            return .close([.disconnected])
        case .command(let command):
            return .perform(command)
        }
    }
}
