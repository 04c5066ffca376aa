import Foundation

/// The keys of the users this client has sealed to or received sealed messages from, like ssh's `known_hosts` for
/// people: the first key seen for a name is remembered, and a different one later is flagged until the user accepts
/// it (`/accept <name>`).
///
/// One user per line: `name sha256-of-public-key` (lower-case hex, as
/// `openssl x509 -noout -pubkey -in bob.crt | openssl pkey -pubin -outform DER | sha256sum` prints it). Names are
/// compared case-insensitively. A renewed certificate with the same key is the
/// same user; a new key is a change. Blank lines, `#` comments and malformed lines are kept as they are.
struct KnownUsers: Equatable, Sendable {
    /// What the file says of a user's key.
    enum Check: Equatable, Sendable {
        case match
        case mismatch(known: String)
        case unknown
    }

    private(set) var lines: [String]

    /// Parses the contents of a known_users file.
    init(contents: String = "") {
        lines = contents.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
    }

    /// Compares `fingerprint` with the key remembered for `name`.
    func check(_ name: String, fingerprint: String) -> Check {
        guard let known = lines.lazy.compactMap(Self.parse).first(where: { $0.name == name.lowercased() }) else {
            return .unknown
        }
        return known.fingerprint == fingerprint.lowercased() ? .match : .mismatch(known: known.fingerprint)
    }

    /// Every remembered user and key, in file order.
    var entries: [(name: String, fingerprint: String)] {
        lines.compactMap(Self.parse)
    }

    /// Remembers `fingerprint` for `name`, replacing what was remembered.
    mutating func remember(_ name: String, fingerprint: String) {
        lines.removeAll { Self.parse($0)?.name == name.lowercased() }
        lines.append("\(name.lowercased()) \(fingerprint.lowercased())")
    }

    /// The file contents, ending with a newline.
    var contents: String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    private static func parse(_ line: String) -> (name: String, fingerprint: String)? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 2, !fields[0].hasPrefix("#"), fields[1].count == 64, fields[1].allSatisfy(\.isHexDigit)
        else { return nil }
        return (fields[0].lowercased(), fields[1].lowercased())
    }

    /// The default location: `~/.config/securechat/known_users` (or under `$XDG_CONFIG_HOME`).
    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        PinFile.directory(environment: environment) + "/known_users"
    }
}
