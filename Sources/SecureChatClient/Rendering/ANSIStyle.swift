/// The SGR (colour and weight) codes the client uses. Only colours: cursor movement belongs to ``TerminalView``.
enum ANSIStyle: String, CaseIterable {
    case bold = "1"
    case dim = "2"
    case red = "31"
    case green = "32"
    case yellow = "33"
    case blue = "34"
    case magenta = "35"
    case cyan = "36"
    case boldRed = "1;31"
    case boldMagenta = "1;35"
    case boldCyan = "1;36"
    case boldGreen = "1;32"
    case boldYellow = "1;33"
    case boldBlue = "1;34"

    /// `text` wrapped in this style and a reset, or `text` alone when colour is off.
    func apply(to text: String, colour: Bool) -> String {
        colour ? "\u{1B}[\(rawValue)m" + text + "\u{1B}[0m" : text
    }
}
