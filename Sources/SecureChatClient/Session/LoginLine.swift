import Foundation

/// Lines typed at a login prompt are sent as typed, except the ways to leave that work after login: `tata`,
/// `/tata` and `/quit` (alone on the line). No name can be one of them, and the server takes `tata` at either prompt
/// as leaving, never as a wrong password.
enum LoginLine {
    /// Whether `line`, typed at a login prompt, leaves.
    static func leaves(_ line: String) -> Bool {
        ["tata", "/tata", "/quit"].contains(line.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
