import Foundation

/// Servers whose certificates the user accepted on first use, like ssh's `known_hosts`.
///
/// The file has one server per line: `host:port sha256-fingerprint`, where the fingerprint is the certificate's
/// SHA-256 as colon-separated hex (`AB:CD:…`, compared case-insensitively). IPv6 hosts are written in brackets
/// (`[::1]:7443`). Blank lines and lines starting with `#` are ignored; so are malformed lines, which are kept
/// unchanged when the file is written back.
struct KnownHosts: Equatable, Sendable {
    /// One remembered server.
    struct Entry: Equatable, Sendable {
        var host: String
        var port: Int
        var fingerprint: String
    }

    /// What the file says about a server's certificate.
    enum Check: Equatable, Sendable {
        /// The server is listed with this fingerprint.
        case match
        /// The server is listed with a different fingerprint: the certificate changed.
        case mismatch(expected: String)
        /// The server is not listed.
        case unknown
    }

    /// The file's lines; entries are parsed from them on demand.
    private(set) var lines: [String]

    /// Parses the contents of a known_hosts file.
    init(contents: String = "") {
        lines = contents.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" {
            lines.removeLast()
        }
    }

    /// The well-formed entries, in file order.
    var entries: [Entry] {
        lines.compactMap(Self.parse)
    }

    /// Looks up `host:port` and compares its fingerprint with `fingerprint`.
    func check(host: String, port: Int, fingerprint: String) -> Check {
        let key = Self.key(host: host, port: port)
        let listed = entries.filter { Self.key(host: $0.host, port: $0.port) == key }
        guard !listed.isEmpty else {
            return .unknown
        }
        if listed.contains(where: { Self.normalise($0.fingerprint) == Self.normalise(fingerprint) }) {
            return .match
        }
        return .mismatch(expected: listed[0].fingerprint)
    }

    /// Adds (or replaces) the entry for `host:port`.
    mutating func remember(host: String, port: Int, fingerprint: String) {
        let key = Self.key(host: host, port: port)
        lines.removeAll { line in
            Self.parse(line).map { Self.key(host: $0.host, port: $0.port) == key } ?? false
        }
        lines.append(Self.format(Entry(host: host, port: port, fingerprint: fingerprint)))
    }

    /// The file contents, ending with a newline.
    var contents: String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// One line of the file for `entry`.
    static func format(_ entry: Entry) -> String {
        "\(hostPort(host: entry.host, port: entry.port)) \(entry.fingerprint.uppercased())"
    }

    /// `host:port`, with an IPv6 address in brackets.
    static func hostPort(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The entry on `line`, or nil for comments, blank and malformed lines.
    static func parse(_ line: String) -> Entry? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 2, !fields[0].hasPrefix("#"),
            let colon = fields[0].lastIndex(of: ":"),
            let port = Int(fields[0][fields[0].index(after: colon)...]), (1...65_535).contains(port)
        else {
            return nil
        }
        var host = fields[0][..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        }
        let fingerprint = String(fields[1])
        guard !host.isEmpty, isFingerprint(fingerprint) else {
            return nil
        }
        return Entry(host: String(host), port: port, fingerprint: fingerprint)
    }

    /// Whether `text` looks like a SHA-256 fingerprint: 32 hex pairs, colons optional.
    static func isFingerprint(_ text: String) -> Bool {
        let hex = normalise(text)
        return hex.count == 64 && hex.allSatisfy(\.isHexDigit)
    }

    private static func normalise(_ fingerprint: String) -> String {
        fingerprint.filter { $0 != ":" }.uppercased()
    }

    private static func key(host: String, port: Int) -> String {
        hostPort(host: host.lowercased(), port: port)
    }
}

extension KnownHosts {
    /// The default location: `~/.config/securechat/known_hosts` (or under `$XDG_CONFIG_HOME`).
    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        PinFile.directory(environment: environment) + "/known_hosts"
    }

    /// Reads the file at `path`; a missing file is an empty list.
    static func load(from path: String) throws -> KnownHosts {
        KnownHosts(contents: try PinFile.read(path, failure: .knownHostsFile))
    }

    /// Writes the list to `path` (mode 0600), creating its directory (mode 0700) if needed.
    func save(to path: String) throws {
        try PinFile.write(contents, to: path, failure: .knownHostsFile)
    }
}
