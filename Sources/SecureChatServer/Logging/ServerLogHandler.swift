import Foundation
import Logging

/// The server's log handler: text (swift-log's `StreamLogHandler`, unchanged) or one JSON object per line, both on
/// standard error, at the level of a shared ``LogLevelSwitch``.
///
/// `event` metadata (`login`, `logout`, …) appears in JSON only: in text the message says it.
///
/// Setting `logLevel` on one logger sets a floor for that logger only (PostgreSQL's background logger keeps to
/// warnings and worse); the switch still raises it.
struct ServerLogHandler: LogHandler {
    private let format: LogFormat
    private let label: String
    private let levels: LogLevelSwitch
    private var floor: Logger.Level = .trace
    private var text: StreamLogHandler
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: LogFormat, levels: LogLevelSwitch, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.format = format
        self.levels = levels
        self.metadataProvider = metadataProvider
        text = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
        text.logLevel = .trace
    }

    var logLevel: Logger.Level {
        get { max(levels.level, floor) }
        set { floor = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        switch format {
        case .text:
            var text = self.text
            text.metadata = metadata.mapValues(Self.escaped)
            // The message says what happened; `event` names it for machines, in JSON only.
            var event = event
            event.metadata?["event"] = nil
            event.metadata = event.metadata?.mapValues(Self.escaped)
            event.message = "\(Self.escaped(event.message.description))"
            text.log(event: event)
        case .json:
            var merged = metadata
            if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
            if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
            let line = JSONLogLine.encode(
                time: Date(),
                level: event.level,
                label: label,
                message: "\(event.message)",
                metadata: merged
            )
            line.withCString { pointer in
                // One write per line, so lines from several threads do not interleave.
                _ = Foundation.write(2, pointer, strlen(pointer))
            }
        }
    }
}

extension ServerLogHandler {
    /// `text` with every control character (and the Unicode line separators) written as `\u{…}`: what a peer sent
    /// (a certificate's CN, a control command) must not start a line of its own or move a terminal's cursor.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                escaped += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let string): .string(escaped(string))
        case .stringConvertible(let convertible): .string(escaped(convertible.description))
        default: value
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

/// One log event as a line of JSON: `time`, `level`, `label`, `message`, then the metadata's keys (`conn`, `peer`,
/// `user`, `event`, …) in sorted order, every value a string.
enum JSONLogLine {
    static func encode(
        time: Date,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata
    ) -> String {
        var line = "{\"time\":\"\(timestamp(time))\",\"level\":\"\(level)\",\"label\":"
        append(label, to: &line)
        line += ",\"message\":"
        append(message, to: &line)
        for key in metadata.keys.sorted() where !["time", "level", "label", "message"].contains(key) {
            line += ","
            append(key, to: &line)
            line += ":"
            append(string(metadata[key]!), to: &line)
        }
        line += "}\n"
        return line
    }

    private static func string(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        default: value.description
        }
    }

    private static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static func timestamp(_ date: Date) -> String {
        timeStyle.format(date)
    }

    /// `string` as a JSON string: quotes, backslashes and every control character escaped, the rest as UTF-8.
    static func append(_ string: String, to line: inout String) {
        line += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                line += String(format: "\\u%04x", scalar.value)
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}
