import Foundation

/// Lines typed at a login prompt are sent as typed, except the ways to leave that work after login: `tata` and
/// `/tata` alone on the line, and `/quit` with or without a reason. No name or password can be one of them (a name
/// has no `/` or space, a password has no space), and the server takes `tata` at either prompt as leaving, never as a
/// wrong password.
enum LoginLine {
    /// Whether `line`, typed at a login prompt, leaves.
    static func leaves(_ line: String) -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.lowercased() }
        guard let first = words.first else { return false }
        return (words.count == 1 && (first == "tata" || first == "/tata")) || first == "/quit"
    }
}
