/// Where the session's output goes and where its input comes from: the interactive terminal or plain
/// stdin/stdout. Used only from the client's main loop.
protocol ClientConsole: AnyObject {
    /// Starts reading input; everything read is passed to `yield`.
    func start(yield: @escaping @Sendable (ClientEvent) -> Void) throws

    /// Shows a rendered server line.
    func show(_ text: String)

    /// Shows what the user just entered after the prompt it answered (interactive mode; never a password).
    func echo(_ line: String)

    /// Shows a line from the client itself (connection status, warnings, errors).
    func status(_ text: String)

    /// Shows the prompt the session asks for.
    func setPrompt(_ prompt: ClientSessionStateMachine.Prompt)

    /// Applies typed keys and returns what the user finished doing (interactive mode only).
    func handle(_ keys: [Key]) -> [ConsoleInput]

    /// Redraws after the terminal changed size.
    func resized()

    /// Puts the terminal back as it was. Safe to call more than once.
    func stop()
}

/// What the user did at the console, for the session.
enum ConsoleInput: Equatable {
    /// A line was entered.
    case line(String)
    /// Ctrl-D on an empty line.
    case endOfInput
    /// Ctrl-C.
    case interrupt
}
