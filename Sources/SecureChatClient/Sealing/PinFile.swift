import Foundation

/// Reading and writing the client's small files of remembered keys (known_hosts, known_users): a missing file reads
/// as empty; a written one is the user's alone (0600, in a 0700 directory).
enum PinFile {
    /// The contents of `path`, or "" when there is no such file.
    static func read(_ path: String, failure: ClientError.Code) throws(ClientError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "" }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ClientError(failure, detail: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Writes `contents` to `path` (mode 0600), creating its directory (mode 0700) if needed.
    static func write(_ contents: String, to path: String, failure: ClientError.Code) throws(ClientError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: directory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            }
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw ClientError(failure, detail: "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// The directory of the client's files: `~/.config/securechat` (or under `$XDG_CONFIG_HOME`).
    static func directory(environment: [String: String]) -> String {
        let configHome =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return configHome + "/securechat"
    }
}
