import Foundation

/// A command of the control socket (`securechat-ctl`), one line each.
enum ControlCommand: Equatable, Sendable {
    /// Uptime, connections, users, version, certificate expiry dates.
    case status
    /// Every user online, with node, address, login time and credential.
    case who
    /// Disconnects the user called `name`, telling them `reason` if given.
    case kick(name: String, reason: String?)
    /// Reads the settings and TLS files again, as SIGHUP does, and says what changed.
    case reload
    /// Lists the commands.
    case help

    static let usage = [
        "status                  uptime, connections, users, version, certificate expiry dates",
        "who                     users online: node, address, since, certificate or not",
        "kick NAME [REASON]      disconnect NAME (on this server), telling them REASON",
        "reload                  read the configuration file and TLS files again, say what changed",
    ]

    /// The command `line` asks for, or why it is not one.
    static func parse(_ line: Substring) -> Result<ControlCommand, ControlAnswer> {
        let words = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let verb = words.first?.lowercased() else {
            return .failure(.error("empty command; try help"))
        }
        let rest = words.count > 1 ? words[1].trimmingPrefix(while: { $0 == " " }) : ""
        switch verb {
        case "status", "who", "reload", "help":
            guard rest.isEmpty else { return .failure(.error("\(verb) takes no arguments")) }
            return .success(verb == "status" ? .status : verb == "who" ? .who : verb == "reload" ? .reload : .help)
        case "kick":
            let parts = rest.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard let name = parts.first else { return .failure(.error("usage: kick NAME [REASON]")) }
            let reason = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
            return .success(.kick(name: String(name), reason: reason))
        default:
            return .failure(.error("unknown command '\(verb.prefix(40))'; try help"))
        }
    }
}

/// The answer to one control command: lines of data, each starting with a lowercase word, then `OK` or
/// `ERROR <reason>` (so a client knows where the answer ends whatever the data holds).
struct ControlAnswer: Error, Equatable, Sendable {
    var lines: [String]
    /// Why the command failed; nil when it succeeded.
    var failure: String?

    static func ok(_ lines: [String] = []) -> ControlAnswer {
        ControlAnswer(lines: lines, failure: nil)
    }

    static func error(_ reason: String, lines: [String] = []) -> ControlAnswer {
        ControlAnswer(lines: lines, failure: reason)
    }

    /// The answer as sent: one line per element and the closing line, each ending in LF.
    var wire: String {
        (lines + [failure.map { "ERROR \($0)" } ?? "OK"]).map { $0 + "\n" }.joined()
    }
}
