extension ClientSessionStateMachine {
    /// Interactive (a person at a terminal) or scripted (stdin is a pipe or a file).
    enum Mode: Equatable, Sendable {
        case interactive
        case scripted
    }

    /// The prompt the interactive view should show.
    enum Prompt: Equatable, Sendable {
        /// Not logged in and no question asked yet (connecting, or waiting for the server).
        case waiting
        /// The server asks for an ordinary answer (a user name); the text is the server's (`Enter username:`).
        case username(String)
        /// The server asks for a password (or a kind of answer this client does not know); input must not be echoed.
        case password(String)
        /// Logged in as this name.
        case chatting(name: String)
    }

    /// How the session ended.
    enum Outcome: Equatable, Sendable {
        /// The user left (`tata`, Ctrl-D, Ctrl-C, or the end of scripted input): exit 0.
        case left
        /// The connection ended without the user asking; `reason` in words. Reconnect if enabled, else exit 1.
        case dropped(reason: String)
        /// Login cannot succeed (refused name in scripted mode, input ended during login, `BYE` before login):
        /// exit 1 without reconnecting.
        case failed(reason: String)
    }

    enum Action: Equatable, Sendable {
        /// Render and show this server line.
        case show(ServerLine)
        /// Show the line the user just entered after the prompt it answered (interactive mode).
        case echo(String)
        /// Show this line from the client itself (a refused input, the client's `/help`).
        case note(String)
        /// Send this line to the server.
        case send(String)
        /// Seal `text` to `recipient`, whose certificate the server sent (base64 DER), and send it if that works.
        case seal(to: String, text: String, certificate: String)
        /// Trust the new key seen for this user (`/accept`).
        case acceptKey(String)
        /// Show this user's key and the remembered ones, or one user's (`/keys`).
        case showKeys(String?)
        /// Show this prompt (interactive mode).
        case setPrompt(Prompt)
        /// `tata` was sent: give the server a moment to answer, then call ``leaveTimedOut()``.
        case startLeaveTimer
        /// The closing `ping` was sent: if its answer does not come in time, call ``drainTimedOut()``.
        case startDrainTimer
        /// Close the connection and finish.
        case finish(Outcome)
    }
}
