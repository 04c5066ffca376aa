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
    }

    let mode: Mode
    /// The name given with `--name`, used for every username prompt on every connection.
    let configuredName: String?

    private var state = State.disconnected
    private var queued: [String] = []
    private var stdinEnded = false
    private var userPings = 0
    private var pongs = 0
    /// The ids of the `INBOX` lines shown in this run.
    private var shownInboxIDs: Set<Int> = []
    /// The highest id in the `inbox` answer being received, until its `OK`.
    private var inboxAnswerHighestID: Int?
    /// The `read` commands waiting for their answers, oldest first: true for the client's own.
    private var pendingReads: [Bool] = []

    /// The name of the last successful login; reconnects log in with it again.
    private(set) var loggedInName: String?

    init(mode: Mode, name: String?) {
        self.mode = mode
        self.configuredName = name
    }

    /// The name to answer the username prompt with on this connection.
    private var automaticName: String? { configuredName ?? loggedInName }

    // MARK: Connection events

    /// A connection was established (the first, or a reconnect).
    mutating func connected() -> [Action] {
        switch state {
        case .disconnected:
            state = .loggingIn(awaitingAnswer: false, sentName: false)
            userPings = 0
            pongs = 0
            inboxAnswerHighestID = nil
            pendingReads = []
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
            }
            return receivedWhileLoggedIn(line)
        case .draining:
            guard isPong(line) else {
                return receivedWhileLoggedIn(line)
            }
            pongs += 1
            if pongs > userPings {
                // Our closing ping: every earlier command has been answered, so leave as a person would.
                state = .leaving
                return [.send("tata"), .startLeaveTimer]
            }
            return [.show(line)]
        }
    }

    /// The connection ended; `reason` says why in words.
    mutating func disconnected(reason: String) -> [Action] {
        switch state {
        case .finished, .disconnected:
            return []
        case .leaving:
            state = .finished
            return [.finish(.left)]
        case .loggingIn, .chatting, .draining:
            state = .disconnected
            return [.finish(.dropped(reason: reason))]
        }
    }

    // MARK: User events

    /// The user entered `line` (interactive), or stdin produced it (scripted).
    mutating func userEntered(_ line: String) -> [Action] {
        if let refusal = Self.refusalIfTooLong(line, typed: line) {
            return [.note(refusal)]
        }
        let echo: [Action] = mode == .interactive ? [.echo(line)] : []
        switch state {
        case .disconnected:
            queued.append(line)
            return echo
        case .loggingIn(let awaitingAnswer, let sentName):
            switch mode {
            case .interactive:
                return [.echo(line), .send(line)]
            case .scripted:
                guard awaitingAnswer, queued.isEmpty else {
                    queued.append(line)
                    return []
                }
                state = .loggingIn(awaitingAnswer: false, sentName: sentName)
                return [.send(line)]
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
        switch state {
        case .leaving:
            state = .finished
            return [.finish(.left)]
        case .disconnected, .loggingIn, .chatting, .draining, .finished:
            return []
        }
    }

    /// Scripted mode: the answer to the closing `ping` did not come in time.
    mutating func drainTimedOut() -> [Action] {
        switch state {
        case .draining:
            state = .finished
            return [.finish(.failed(reason: "the server did not answer the last commands in time"))]
        case .disconnected, .loggingIn, .chatting, .leaving, .finished:
            return []
        }
    }

    // MARK: Helpers

    private mutating func leave() -> [Action] {
        switch state {
        case .chatting, .draining:
            state = .leaving
            return [.send("tata"), .startLeaveTimer]
        case .disconnected, .loggingIn, .leaving:
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
            return [.show(line), .finish(.left)]
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
        case .welcome:
            let name = line.firstWord
            loggedInName = name
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

    private mutating func receivedPrompt(_ line: ServerLine, sentName: Bool) -> [Action] {
        let isPassword = line.text.lowercased().contains("password")
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
        let prompt: Prompt = isPassword ? .password(line.text) : .username(line.text)
        switch mode {
        case .interactive:
            state = .loggingIn(awaitingAnswer: true, sentName: sentName)
            return [.setPrompt(prompt)]
        case .scripted:
            if !queued.isEmpty {
                state = .loggingIn(awaitingAnswer: false, sentName: sentName)
                return [.show(line), .send(queued.removeFirst())]
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
                pendingReads.append(false)
            }
            return echo + [.send(wireLine)]
        case .leave:
            state = .leaving
            return echo + [.send("tata"), .startLeaveTimer]
        case .help:
            return echo + TypedLine.helpLines.map(Action.note) + [.send("help")]
        case .refused(let reason):
            return echo + [.note(reason)]
        case .nothing:
            return echo
        }
    }

    /// After login: hides `INBOX` lines already shown in this run, acknowledges an `inbox` answer once its `OK` is
    /// shown, and answers the client's own `read` quietly.
    private mutating func receivedWhileLoggedIn(_ line: ServerLine) -> [Action] {
        switch line.kind {
        case .inbox:
            guard let entry = InboxEntry(line.text) else {
                return [.show(line)]
            }
            inboxAnswerHighestID = max(inboxAnswerHighestID ?? 0, entry.id)
            return shownInboxIDs.insert(entry.id).inserted ? [.show(line)] : []
        case .ok:
            if Self.isReadAnswer(line), !pendingReads.isEmpty, pendingReads.removeFirst() {
                return []
            }
            guard let highest = inboxAnswerHighestID else {
                return [.show(line)]
            }
            inboxAnswerHighestID = nil
            guard state != .leaving else {
                return [.show(line)]  // after `tata` the server takes no more commands
            }
            pendingReads.append(true)
            return [.show(line), .send("read \(highest)")]
        case .error:
            inboxAnswerHighestID = nil  // an answer ends with its OK or ERROR line
            if line.firstWord == "usage", line.textAfterFirstWord.hasPrefix("read"), !pendingReads.isEmpty {
                pendingReads.removeFirst()
            }
            return [.show(line)]
        default:
            return [.show(line)]
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
