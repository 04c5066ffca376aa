/// The client's side of the protocol for one run of the program (across reconnects): what to show, what to send,
/// which prompt to display, and when to stop. Pure: no I/O, no clock; the runtime feeds it events and carries out
/// the actions.
///
/// Interactive mode sends what the user enters as it is entered. Scripted mode (stdin is not a terminal) paces
/// its input: during login it answers one line per `PROMPT`, keeps the rest until `WELCOME`, and after stdin ends
/// sends `ping` and finishes when that `OK pong` arrives — commands are answered in order (docs/PROTOCOL.md), so by
/// then every earlier command has had its answer.
struct ClientSessionStateMachine {
    private enum State: Equatable {
        /// No connection (before the first, or between a drop and a reconnect).
        case disconnected
        /// Connected, before `WELCOME`. `awaitingAnswer`: a prompt was shown and not answered yet (scripted);
        /// `sentName`: the `--name` was sent on this connection.
        case loggingIn(awaitingAnswer: Bool, sentName: Bool)
        /// Logged in.
        case chatting
        /// Scripted input ended and the closing `ping` was sent.
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
            return [.show(line)]
        case .draining:
            guard isPong(line) else {
                return [.show(line)]
            }
            pongs += 1
            if pongs > userPings {
                state = .finished
                return [.finish(.left)]  // our closing ping: every earlier command has been answered
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
        switch state {
        case .disconnected:
            queued.append(line)
            return []
        case .loggingIn(let awaitingAnswer, let sentName):
            switch mode {
            case .interactive:
                return [.send(line)]
            case .scripted:
                guard awaitingAnswer, queued.isEmpty else {
                    queued.append(line)
                    return []
                }
                state = .loggingIn(awaitingAnswer: false, sentName: sentName)
                return [.send(line)]
            }
        case .chatting:
            return sendChatting(line)
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
                actions += sendChatting(queuedLine)
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

    private mutating func sendChatting(_ line: String) -> [Action] {
        guard state == .chatting else {
            return []  // a queued line after `tata`
        }
        let command = Self.commandWord(line)
        if command == "tata" {
            state = .leaving
            return [.send(line), .startLeaveTimer]
        }
        if command == "ping", line.split(separator: " ").count == 1 {
            userPings += 1
        }
        return [.send(line)]
    }

    private func isPong(_ line: ServerLine) -> Bool {
        line.kind == .ok && line.text == "pong"
    }

    /// The first word of `line`, lower-cased, without a leading `/`.
    static func commandWord(_ line: String) -> String {
        let word = line.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        return (word.hasPrefix("/") ? String(word.dropFirst()) : word).lowercased()
    }
}
