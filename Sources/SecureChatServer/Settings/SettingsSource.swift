import ArgumentParser

/// What is wrong with the settings: one line each, naming the file or the setting.
struct SettingsProblems: Error, CustomStringConvertible {
    let problems: [String]

    init(_ problems: [String]) {
        self.problems = problems
    }

    var description: String { problems.joined(separator: "; ") }
}

/// Where the server's settings come from: a configuration file, if any, and the command line, whose options win.
/// Read at start and again at each reload.
struct SettingsSource: Sendable {
    /// The command line's settings (without `--config` and `--check-config`).
    let commandLine: [String]
    /// The configuration file (`--config`).
    let file: String?

    /// The source of a server started with `arguments` (the whole command line after the program's name).
    init(arguments: [String], file: String?) {
        self.commandLine = Self.settingArguments(arguments)
        self.file = file
    }

    /// The settings as they are now, checked; or every problem found: the file's, and those of the settings that
    /// the file and the command line make together.
    func load() throws(SettingsProblems) -> ServerOptions {
        let fromFile = try file.map { path throws(SettingsProblems) in try ConfigurationFile.arguments(path: path) }
        let options: ServerOptions
        do {
            options = try ServerOptions.parse((fromFile?.arguments ?? []) + commandLine)
        } catch {
            throw SettingsProblems((fromFile?.problems ?? []) + [ServerOptions.message(for: error)])
        }
        let problems = (fromFile?.problems ?? []) + options.problems()
        guard problems.isEmpty else { throw SettingsProblems(problems) }
        return options
    }

    /// `arguments` without the options that say where the settings come from rather than what they are.
    static func settingArguments(_ arguments: [String]) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
            } else if argument == "--config" {
                skipNext = true
            } else if !argument.hasPrefix("--config=") && argument != "--check-config" {
                kept.append(argument)
            }
        }
        return kept
    }
}
