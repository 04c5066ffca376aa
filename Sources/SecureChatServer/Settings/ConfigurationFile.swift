import ArgumentParser
import Foundation
import TOMLKit

/// A TOML file of settings, one `name = value` per setting, named as the command-line options without `--`:
///
///     port = 7443
///     client-auth = "optional"
///     cluster = true
///
/// Read into the command-line arguments it stands for, so that the options given on the command line, which come
/// after them, win, and every value is checked by the same parser as on the command line.
enum ConfigurationFile {
    /// The arguments `path` stands for, and the problems of the settings left out of them (one line each, naming
    /// the file); throws when the file cannot be read as TOML at all.
    static func arguments(path: String) throws(SettingsProblems) -> (arguments: [String], problems: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"
            throw SettingsProblems(["\(path): cannot read it (\(reason))"])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw SettingsProblems(["\(path): not UTF-8 text"])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let place = "line \(error.source.begin.line), column \(error.source.begin.column)"
            throw SettingsProblems(["\(path) \(place): \(error.description)"])
        } catch {
            throw SettingsProblems(["\(path): not TOML (\(error))"])
        }
        var arguments: [String] = []
        var problems: [String] = []
        for (name, value) in table {
            switch self.arguments(name: name, value: value) {
            case .success(let more): arguments += more
            case .failure(let problem): problems.append("\(path): \(problem)")
            }
        }
        return (arguments, problems)
    }

    /// The arguments one `name = value` stands for, checked on their own so that a problem names its setting.
    static func arguments(name: String, value: any TOMLValueConvertible) -> Result<[String], Problem> {
        guard let setting = ServerOptions.setting(named: name) else {
            let guess = ServerOptions.settings.map(\.name).min { distance($0, name) < distance($1, name) }
            let hint = guess.flatMap { distance($0, name) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
            return .failure(Problem("unknown setting '\(name)'\(hint)"))
        }
        let arguments: [String]
        switch (setting.kind, value.type) {
        case (.flag, .bool):
            arguments = [value.bool == true ? "--\(name)" : "--no-\(name)"]
        case (.flag, _):
            return .failure(Problem("\(name): give true or false"))
        case (.option, .string):
            arguments = ["--\(name)", value.string ?? ""]
        case (.option, .int):
            arguments = ["--\(name)", "\(value.int ?? 0)"]
        case (.option, .double):
            arguments = ["--\(name)", "\(value.double ?? 0)"]
        case (.option, _):
            return .failure(Problem("\(name): give one string or number"))
        }
        do {
            _ = try ServerOptions.parse(arguments)
        } catch {
            return .failure(Problem("\(name): \(ServerOptions.message(for: error))"))
        }
        return .success(arguments)
    }

    struct Problem: Error, Equatable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Edit distance, for suggesting the setting a misspelt name meant.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let substitution = previous + (a[i - 1] == b[j - 1] ? 0 : 1)
                previous = row[j]
                row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
