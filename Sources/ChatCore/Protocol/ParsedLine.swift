/// What a line from a logged-in user turned out to be.
public enum ParsedLine: Sendable, Equatable {
    /// A command with valid arguments.
    case command(ClientCommand)
    /// A chat line for the room, exactly as typed (without a trailing CR).
    case chat(String)
    /// Nothing but whitespace: ignored, with no answer.
    case empty
    /// A command with bad arguments, or a `/word` that names no command; answer with this error.
    case invalid(ProtocolError)
}
