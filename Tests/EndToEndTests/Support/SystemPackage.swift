import Foundation
import Testing

/// A program from a Debian package that some tests need. Locally such a test is skipped, with the package to install,
/// when the program is missing; under CI (`CI` set; `.ci/run` installs every package) it runs anyway and fails, so
/// a broken install is never taken for a pass.
enum SystemPackage: String, Sendable {
    case mosquitto
    case ngircd
    case tmux
    case systemdAnalyze = "systemd-analyze"
    case certutil
    case chromium

    /// The Debian package that installs it.
    var package: String {
        switch self {
        case .systemdAnalyze: "systemd"
        case .certutil: "libnss3-tools"
        default: rawValue
        }
    }

    /// The installed executable, if there is one (daemons live in sbin, which a user's PATH may lack).
    var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        return directories.map { "\($0)/\(rawValue)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    var isInstalled: Bool { executable != nil }

    /// Whether this run is CI's, where a missing package is a failure rather than a reason to skip.
    static var isCI: Bool {
        let value = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !value.isEmpty && value != "false" && value != "0"
    }

    /// Runs the test only where the package is installed, or under CI.
    var required: ConditionTrait {
        .enabled(if: isInstalled || Self.isCI, "\(rawValue) is not installed (apt-get install \(package))")
    }
}
