import ChatCore

/// The client's side of the protocol for one run of the program (across reconnects): what to show, what to send,
/// which prompt to display, and when to stop. Pure: no I/O, no clock; the runtime feeds it events and carries out
/// the actions.
///
/// During login a line is sent as it is typed; once logged in it goes through ``TypedLine`` (plain lines are chat,
/// commands start with `/`). Interactive mode sends what the user enters as it is entered. Scripted mode (stdin is
/// not a terminal) paces its input: during login it answers one line per `PROMPT`, keeps the rest until `WELCOME`,
/// and after stdin ends sends `ping`; when that `OK pong` arrives — commands are answered in order
/// (docs/PROTOCOL.md), so every earlier command has had its answer — it leaves with `tata`.
///
/// The inbox is at-least-once: after showing an `inbox` answer the client acknowledges it with `read <highest id>`
/// and answers that quietly; it never shows one message id twice in a run, as a reconnect may offer it again.
struct ClientSessionStateMachine {
    private enum State: Equatable {
        /// No connection (before the first, or between a drop and a reconnect).
        case disconnected
        /// Connected, before `WELCOME`. `awaitingAnswer`: a prompt was shown and not answered yet (scripted);
        /// `sentName`: the `--name` was sent on this connection.
        case loggingIn(awaitingAnswer: Bool, sentName: Bool)
        /// Logged in.
        case chatting
        /// Scripted input ended and the closing `ping` was sent; its `OK pong` leads to `tata`.
        case draining
        /// `tata` was sent (or the user interrupted); waiting for `BYE` or the end of the connection.
        case leaving
        /// An outcome was reported; nothing more happens.
        case finished

        var isLoggingIn: Bool {
            if case .loggingIn = self {
                return true
            }
            return false
        }
    }

    let mode: Mode
    /// The name given with `--name`, used for every username prompt on every connection.
    let configuredName: String?
    /// Why this client cannot seal messages (no certificate, no CA), or nil when it can.
    let sealingUnavailable: String?
    /// `/seal`s waiting for the recipient's certificate, oldest first. Only the first has its `cert <user>` sent
    /// (``certificateRequested``): with one request in flight a `CERT` line can only answer it, so a message is never
    /// sealed with an answer meant for another.
    private var pendingSeals: [(recipient: String, text: String)] = []
    private var certificateRequested = false
    /// `OK certificate of …` answers still to come for certificates taken by a `/seal`: not shown.
    private var quietCertificateAnswers = 0

    private var state = State.disconnected
    private var queued: [String] = []
    private var stdinEnded = false
    private var userPings = 0
    private var pongs = 0
    /// The ids of the `INBOX` lines shown in this run.
    private var shownInboxIDs: Set<Int> = []
    /// The `inbox` answer being received, until its `OK`.
    private var inboxAnswer: InboxAnswer?
    /// The `read` commands waiting for their answers, oldest first.
    private var pendingReads: [PendingRead] = []
    /// An automatic `read <id>` refused as rate-limited: sent again once, after the next answer.
    private var readToRetry: Int?
    /// Why the session failed while leaving (the closing `ping` went unanswered): reported once `tata` is done.
    private var leaveFailure: String?
    /// The last connection dropped during login: what is typed until the next connection may be a password, so it
    /// is discarded rather than queued as chat.
    private var droppedDuringLogin = false
    /// Leave and drain timers that were started again after a refusal: the older ones are ignored when they fire.
    private var staleLeaveTimers = 0
    private var staleDrainTimers = 0

    /// A `read` sent and not answered yet.
    private struct PendingRead {
        /// The client's own acknowledgement of an `inbox` answer (answered quietly), or nil for the user's `/read`.
        let automaticID: Int?
        /// Whether a rate-limited refusal is retried (once).
        let mayRetry: Bool
    }

    /// The name of the last successful login; reconnects log in with it again.
    private(set) var loggedInName: String?

    init(mode: Mode, name: String?, sealingUnavailable: String? = nil) {
        self.mode = mode
        self.configuredName = name
        self.sealingUnavailable = sealingUnavailable
    }

    /// The name to answer the username prompt with on this connection.
    private var automaticName: String? { configuredName ?? loggedInName }
    /// Scripted mode: the answer given to the password prompt of the login that succeeded, to log in again with after
    /// a reconnect; later input lines are chat and must never answer a password prompt.
    private var scriptedPassword: String?
    /// Scripted mode: the answer to the current password prompt, until the login succeeds.
    private var pendingPassword: String?
    /// Scripted mode: the prompt waiting for the next input line asks for a password.
    private var passwordPromptOpen = false

    // MARK: Connection events

    /// A connection was established (the first, or a reconnect).
    mutating func connected() -> [Action] {
        switch state {
        case .disconnected:
            state = .loggingIn(awaitingAnswer: false, sentName: false)
            userPings = 0
            pongs = 0
            inboxAnswer = nil
            pendingReads = []
            readToRetry = nil
            pendingSeals = []
            certificateRequested = false
            quietCertificateAnswers = 0
            droppedDuringLogin = false
            return [.setPrompt(.waiting)]
        case .loggingIn, .chatting, .draining, .leaving, .finished:
            preconditionFailure("Invalid state: \(state)")
        }
    }

    /// The server sent `line`.
    mutating func received(_ line: ServerLine) -> [Action] {
        if line.kind == .ping {
            switch state {
            case .loggingIn, .chatting, .draining, .leaving: return [.send("pong")]
            case .disconnected, .finished: return []
            }
        }
        if line.kind == .bye {
            return receivedBye(line)
        }
        switch state {
        case .disconnected, .finished:
            return []
        case .loggingIn(let awaitingAnswer, let sentName):
            return receivedWhileLoggingIn(line, awaitingAnswer: awaitingAnswer, sentName: sentName)
        case .chatting, .leaving:
            if isPong(line) {
                pongs += 1
                if state == .leaving, pongs > userPings {
                    return []  // a closing ping sent again after a refusal was answered twice
                }
            }
            if state == .leaving, isRefusalOfTheLastLine(line) {
                // Perhaps `tata` itself was refused: say it again (the pacer has slowed down).
                staleLeaveTimers += 1
                return receivedWhileLoggedIn(line) + [.send("tata"), .startLeaveTimer]
            }
            return receivedWhileLoggedIn(line)
        case .draining:
            if isRefusalOfTheLastLine(line) {
                // Perhaps the closing ping was refused; then no `OK pong` would come. Ask again: if both are
                // answered, the first answer leaves and the second is not shown.
                staleDrainTimers += 1
                return receivedWhileLoggedIn(line) + [.send("ping"), .startDrainTimer]
            }
            guard isPong(line) else {
                return receivedWhileLoggedIn(line)
            }
            pongs += 1
            if pongs > userPings {
                // Our closing ping: every earlier command has been answered, so leave as a person would.
                let retry = takeReadRetry()
                state = .leaving
                return retry + [.send("tata"), .startLeaveTimer]
            }
            return [.show(line)] + takeReadRetry()
        }
    }

    /// The connection ended; `reason` says why in words.
    mutating func disconnected(reason: String) -> [Action] {
        switch state {
        case .finished, .disconnected:
            return []
        case .leaving:
            state = .finished
            return [.finish(leavingOutcome)]
        case .loggingIn, .chatting, .draining:
            droppedDuringLogin = state.isLoggingIn
            state = .disconnected
            let unsent: [Action] =
                pendingSeals.isEmpty
                ? [] : [.note("not sent: \(pendingSeals.count) sealed message(s) still waiting for a certificate")]
            pendingSeals = []
            certificateRequested = false
            // Back to the plain prompt: a password prompt's hidden input must not outlive its connection.
            return unsent + [.setPrompt(.waiting), .finish(.dropped(reason: reason))]
        }
    }

    // MARK: User events

    /// The user entered `line` (interactive), or stdin produced it (scripted).
    mutating func userEntered(_ line: String) -> [Action] {
        // A line is measured against the limit where it is sent: as typed at a login prompt, as it goes on the wire
        // once chatting (`/send x …` loses its `/`, chat gains `say `).
        let echo: [Action] = mode == .interactive ? [.echo(TypedLine.shown(line))] : []
        switch state {
        case .disconnected:
            if TypedLine.interpret(line) == .leave {
                // Waiting to reconnect: leaving needs no server.
                state = .finished
                return echo + [.finish(.left)]
            }
            if mode == .interactive, droppedDuringLogin {
                return [.note("not sent: the connection was lost before login finished")]
            }
            queued.append(line)
            return echo
        case .loggingIn(let awaitingAnswer, let sentName):
            switch mode {
            case .interactive:
                if let refusal = Self.refusalIfTooLong(line, typed: line) { return [.note(refusal)] }
                return LoginLine.leaves(line) ? [.echo(line)] + leaveDuringLogin() : [.echo(line), .send(line)]
            case .scripted:
                guard awaitingAnswer, queued.isEmpty else {
                    queued.append(line)
                    return []
                }
                return sendDuringLogin(line, sentName: sentName)
            }
        case .chatting:
            return sendChatting(line, echo: echo)
        case .draining, .leaving, .finished:
            return []
        }
    }

    /// Ctrl-D on an empty line (interactive) or the end of stdin (scripted).
    mutating func inputEnded() -> [Action] {
        switch mode {
        case .interactive:
            return leave()
        case .scripted:
            stdinEnded = true
            switch state {
            case .chatting:
                guard queued.isEmpty else {
                    return []
                }
                state = .draining
                return [.send("ping"), .startDrainTimer]
            case .loggingIn(let awaitingAnswer, _):
                guard awaitingAnswer, queued.isEmpty else {
                    return []
                }
                state = .finished
                return [.finish(.failed(reason: "the input ended before the login finished"))]
            case .disconnected, .draining, .leaving, .finished:
                return []
            }
        }
    }

    /// Ctrl-C, or SIGINT/SIGTERM/SIGHUP: leave now.
    mutating func interrupted() -> [Action] {
        leave()
    }

    /// The server did not close the connection in time after `tata`.
    mutating func leaveTimedOut() -> [Action] {
        guard staleLeaveTimers == 0 else {
            staleLeaveTimers -= 1
            return []
        }
        switch state {
        case .leaving:
            state = .finished
            return [.finish(leavingOutcome)]
        case .disconnected, .loggingIn, .chatting, .draining, .finished:
            return []
        }
    }

    /// Scripted mode: the answer to the closing `ping` did not come in time. Still leave with `tata`, so the others
    /// see a goodbye, but report the failure.
    mutating func drainTimedOut() -> [Action] {
        guard staleDrainTimers == 0 else {
            staleDrainTimers -= 1
            return []
        }
        switch state {
        case .draining:
            state = .leaving
            leaveFailure = "the server did not answer the last commands in time"
            return [.send("tata"), .startLeaveTimer]
        case .disconnected, .loggingIn, .chatting, .leaving, .finished:
            return []
        }
    }

    // MARK: Helpers

    /// How a session that is leaving ends.
    private var leavingOutcome: Outcome {
        leaveFailure.map { .failed(reason: $0) } ?? .left
    }

    private mutating func leave() -> [Action] {
        switch state {
        case .chatting, .draining:
            state = .leaving
            return [.send("tata"), .startLeaveTimer]
        case .leaving:
            state = .finished
            return [.finish(leavingOutcome)]
        case .disconnected, .loggingIn:
            // Before WELCOME `tata` would be taken for a user name: just close.
            state = .finished
            return [.finish(.left)]
        case .finished:
            return []
        }
    }

    private mutating func receivedBye(_ line: ServerLine) -> [Action] {
        switch state {
        case .disconnected, .finished:
            return []
        case .leaving:
            state = .finished
            return [.show(line), .finish(leavingOutcome)]
        case .loggingIn:
            state = .finished
            return [.show(line), .finish(.failed(reason: "the server ended the login: \(line.text)"))]
        case .chatting, .draining:
            state = .disconnected
            return [.show(line), .finish(.dropped(reason: "the server closed the connection: \(line.text)"))]
        }
    }

    private mutating func receivedWhileLoggingIn(
        _ line: ServerLine,
        awaitingAnswer: Bool,
        sentName: Bool
    ) -> [Action] {
        switch line.kind {
        case .prompt:
            return receivedPrompt(line, sentName: sentName)
        case .error where isOwnNameTakenOnReconnect(line):
            // The server has not noticed yet that our previous connection dropped: a failed attempt, so back off
            // and try the same name again rather than ask for another.
            state = .disconnected
            let name = loggedInName ?? ""
            return [.finish(.dropped(reason: "the server still counts \(name) as online from the previous connection"))]
        case .error where loggedInName != nil && line.firstWord == "server-error":
            // The server could not log us in again yet (a cluster node that has not rejoined, its database away):
            // a failed attempt, so back off and try again, rather than leave the user at a bare name prompt.
            state = .disconnected
            return [.finish(.dropped(reason: "the server could not log you in yet (server-error)"))]
        case .welcome:
            let name = line.firstWord
            loggedInName = name
            scriptedPassword = pendingPassword ?? scriptedPassword
            state = .chatting
            var actions: [Action] = [.show(line), .setPrompt(.chatting(name: name))]
            let waiting = queued
            queued = []
            for queuedLine in waiting {
                actions += sendChatting(queuedLine, echo: [])  // echoed when typed
            }
            if mode == .scripted, stdinEnded, state == .chatting {
                state = .draining
                actions += [.send("ping"), .startDrainTimer]
            }
            return actions
        default:
            return [.show(line)]
        }
    }

    /// Scripted mode answers a login prompt with `line`.
    private mutating func sendDuringLogin(_ line: String, sentName: Bool) -> [Action] {
        guard !LoginLine.leaves(line) else {
            return leaveDuringLogin()
        }
        if let refusal = Self.refusalIfTooLong(line, typed: line) {
            // The prompt still waits: the next line answers it.
            guard !queued.isEmpty else { return [.note(refusal)] }
            return [.note(refusal)] + sendDuringLogin(queued.removeFirst(), sentName: sentName)
        }
        if passwordPromptOpen { pendingPassword = line }
        passwordPromptOpen = false
        state = .loggingIn(awaitingAnswer: false, sentName: sentName)
        return [.send(line)]
    }

    /// `tata` at a login prompt leaves on purpose (the server answers `BYE DISCONNECTED!!`), which is no failure.
    private mutating func leaveDuringLogin() -> [Action] {
        state = .leaving
        return [.send("tata"), .startLeaveTimer]
    }

    /// Whether `line` is a rate-limit refusal that may be the answer to the last line sent (`ping`, `tata`): not
    /// while a `read` sent before it is unanswered, as answers come in order.
    private func isRefusalOfTheLastLine(_ line: ServerLine) -> Bool {
        LinePacer.retryAfter(in: line) != nil && pendingReads.isEmpty
    }

    /// A refusal of our own name (`ERROR name-taken <name> …`) on a connection after the first login.
    private func isOwnNameTakenOnReconnect(_ line: ServerLine) -> Bool {
        guard let name = loggedInName, line.kind == .error, line.firstWord == "name-taken" else {
            return false
        }
        let refused = line.textAfterFirstWord.prefix { $0 != " " }
        return refused.lowercased() == name.lowercased()
    }

    /// The prompt's kind word, never its text, says whether it asks for a password (docs/PROTOCOL.md); a kind this
    /// client does not know is handled as one, so a secret is never shown or taken from chat input by mistake.
    private mutating func receivedPrompt(_ line: ServerLine, sentName: Bool) -> [Action] {
        let loginPrompt = LoginPrompt(parsing: line.text)
        let isPassword = loginPrompt.kind.isSecret
        if !isPassword, let name = automaticName {
            guard sentName else {
                state = .loggingIn(awaitingAnswer: false, sentName: true)
                return [.send(name)]
            }
            if mode == .scripted {
                state = .finished
                return [.finish(.failed(reason: "the server did not accept the name \(name)"))]
            }
            // Interactive: the name was refused; let the user type another one.
        }
        let prompt: Prompt = isPassword ? .password(loginPrompt.text) : .username(loginPrompt.text)
        switch mode {
        case .interactive:
            state = .loggingIn(awaitingAnswer: true, sentName: sentName)
            return [.setPrompt(prompt)]
        case .scripted:
            if isPassword, loggedInName != nil {
                // A reconnect: the next input lines were meant as chat, never as a password.
                guard let password = scriptedPassword else {
                    state = .finished
                    return [
                        .show(line),
                        .finish(
                            .failed(reason: "the server asks for the password again; input lines are not used for it")
                        ),
                    ]
                }
                state = .loggingIn(awaitingAnswer: false, sentName: sentName)
                return [.send(password)]
            }
            passwordPromptOpen = isPassword
            if !queued.isEmpty {
                return [.show(line)] + sendDuringLogin(queued.removeFirst(), sentName: sentName)
            }
            if stdinEnded {
                state = .finished
                return [.show(line), .finish(.failed(reason: "the input ended before the login finished"))]
            }
            state = .loggingIn(awaitingAnswer: true, sentName: sentName)
            return [.show(line)]
        }
    }

    private mutating func sendChatting(_ line: String, echo: [Action]) -> [Action] {
        guard state == .chatting else {
            return []  // a queued line after `tata`
        }
        switch TypedLine.interpret(line) {
        case .send(let wireLine):
            if let refusal = Self.refusalIfTooLong(wireLine, typed: line) {
                return [.note(refusal)]
            }
            if wireLine == "ping" {
                userPings += 1
            }
            if wireLine == "read" || wireLine.hasPrefix("read ") {
                pendingReads.append(PendingRead(automaticID: nil, mayRetry: false))
            }
            return echo + [.send(wireLine)]
        case .leave:
            state = .leaving
            return echo + [.send("tata"), .startLeaveTimer]
        case .help:
            return echo + TypedLine.helpLines.map(Action.note) + [.send("help")]
        case .seal(let recipient, let text):
            if let reason = sealingUnavailable { return echo + [.note("not sent: " + reason)] }
            if let refusal = Self.refusalIfTooLong(text, typed: text) { return [.note(refusal)] }
            // The certificate is fetched for every message: the client checks it itself, and a changed one is
            // noticed before anything is sealed to it.
            pendingSeals.append((recipient, text))
            return echo + requestNextCertificate()
        case .accept(let name):
            return echo + [.acceptKey(name)]
        case .keys(let name):
            if let reason = sealingUnavailable { return echo + [.note(reason)] }
            return echo + [.showKeys(name)]
        case .refused(let reason):
            return [.note(reason)]  // neither sent nor echoed, like an over-long line
        case .nothing:
            return echo
        }
    }

    /// After login: hides `INBOX` lines already shown in this run, replaces an `inbox` answer's `OK` (which tells
    /// the user to `read`) with what the client did, acknowledges the answer, and answers the client's own `read`
    /// quietly.
    private mutating func receivedWhileLoggedIn(_ line: ServerLine) -> [Action] {
        switch line.kind {
        case .certificate:
            let name = line.firstWord
            guard certificateRequested, let pending = pendingSeals.first,
                pending.recipient.lowercased() == name.lowercased()
            else { return [.show(line)] }
            pendingSeals.removeFirst()
            certificateRequested = false
            quietCertificateAnswers += 1
            return [.seal(to: name, text: pending.text, certificate: line.textAfterFirstWord)]
                + requestNextCertificate()
        case .ok where quietCertificateAnswers > 0 && line.text.hasPrefix("certificate of "):
            quietCertificateAnswers -= 1
            return takeReadRetry()
        case .error where certificateRequested && mayAnswerCertificate(line):
            let pending = pendingSeals.removeFirst()
            certificateRequested = false
            return [.show(line), .note("not sent: the message to \(pending.recipient) was not sealed")]
                + takeReadRetry() + requestNextCertificate()
        case .inbox:
            guard let entry = InboxEntry(line.text) else {
                return [.show(line)]
            }
            let isNew = shownInboxIDs.insert(entry.id).inserted
            inboxAnswer = inboxAnswer ?? InboxAnswer()
            inboxAnswer?.add(entry, shown: isNew)
            return isNew ? [.show(line)] : []
        case .ok:
            let retry = takeReadRetry()
            if Self.isReadAnswer(line), !pendingReads.isEmpty, pendingReads.removeFirst().automaticID != nil {
                return retry
            }
            guard let answer = inboxAnswer else {
                return [.show(line)] + retry
            }
            inboxAnswer = nil
            guard state != .leaving else {
                return [.show(line)]  // after `tata` the server takes no more commands
            }
            pendingReads.append(PendingRead(automaticID: answer.highestID, mayRetry: true))
            let summary = ServerLine(.ok, answer.summary(serverText: line.text))
            return retry + [.show(summary), .send("read \(answer.highestID)")]
        case .error:
            let retry = takeReadRetry()
            inboxAnswer = nil  // an answer ends with its OK or ERROR line
            guard Self.mayAnswerRead(line), !pendingReads.isEmpty else {
                return [.show(line)] + retry
            }
            let read = pendingReads.removeFirst()
            if let id = read.automaticID, read.mayRetry, line.firstWord == "rate-limited" {
                readToRetry = id
                return retry
            }
            return [.show(line)] + retry
        default:
            return [.show(line)]
        }
    }

    /// The automatic `read` to send again now that another answer came, if any (not after `tata`).
    private mutating func takeReadRetry() -> [Action] {
        guard let id = readToRetry, state == .chatting || state == .draining else {
            return []
        }
        readToRetry = nil
        pendingReads.append(PendingRead(automaticID: id, mayRetry: false))
        return [.send("read \(id)")]
    }

    /// Whether `line` may be the refusal of a `read`: its usage, or a refusal any command can get. Answers come in
    /// order, so while a `read` is pending such an error is taken as its answer.
    private static func mayAnswerRead(_ line: ServerLine) -> Bool {
        switch line.firstWord {
        case "usage": line.textAfterFirstWord.hasPrefix("read")
        case "not-allowed", "rate-limited": true
        default: false
        }
    }

    /// Sends `cert` for the oldest waiting `/seal`, unless a request is in flight already.
    private mutating func requestNextCertificate() -> [Action] {
        guard !certificateRequested, let next = pendingSeals.first else { return [] }
        certificateRequested = true
        return [.send("cert " + next.recipient)]
    }

    /// Whether `line` may be the refusal of the `cert` in flight: a refusal that names its user, or one any command
    /// can get (over the rate, a server error, shutting down). The latter may have been meant for another command;
    /// then the message is dropped all the same (and said so), and the certificate, when it comes, is only shown:
    /// never is a message the user was told was not sent sealed later.
    private func mayAnswerCertificate(_ line: ServerLine) -> Bool {
        guard let recipient = pendingSeals.first?.recipient.lowercased() else { return false }
        let words = line.textAfterFirstWord.lowercased().split(separator: " ")
        switch line.firstWord {
        case "no-certificate": return words.first.map { $0 == recipient } ?? false
        case "name-invalid": return words.first.map { $0 == "'\(recipient)'" } ?? false
        case "unknown-user": return words.last.map { $0 == recipient } ?? false
        case "usage": return words.first == "cert"
        case "rate-limited", "server-error", "not-allowed": return true
        default: return false
        }
    }

    /// Whether `line` answers a `read`: `OK <n> message(s) marked read`.
    private static func isReadAnswer(_ line: ServerLine) -> Bool {
        let words = line.text.split(separator: " ")
        return words.count == 4 && Int(words[0]) != nil && (words[1] == "messages" || words[1] == "message")
            && words[2] == "marked" && words[3] == "read"
    }

    /// Why `wireLine` (what `typed` becomes on the wire) is not sent, or nil when it fits the line limit.
    static func refusalIfTooLong(_ wireLine: String, typed: String) -> String? {
        let limit = ProtocolLimits.maximumLineBytes
        let bytes = wireLine.utf8.count
        guard bytes > limit else {
            return nil
        }
        let typedBytes = typed.utf8.count
        let asSent = typedBytes == bytes ? "" : ", \(bytes) as sent"
        return "not sent: the line has \(typedBytes) bytes\(asSent), over the limit of \(limit)"
    }

    private func isPong(_ line: ServerLine) -> Bool {
        line.kind == .ok && line.text == "pong"
    }
}
