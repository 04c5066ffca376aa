/// Neutralises text from one user before it reaches another user's terminal (docs/PROTOCOL.md, "Transport").
///
/// Works on Unicode scalars, so a control character is caught even where it joins a grapheme cluster:
/// - C0 controls U+0000–U+001F become control pictures U+2400–U+241F (ESC → ␛, BEL → ␇, LF → ␊), except TAB,
///   which becomes a space;
/// - DEL U+007F becomes ␡ U+2421;
/// - C1 controls U+0080–U+009F and the bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069 become
///   the replacement character U+FFFD.
///
/// No escape sequence survives, and the result never contains a line ending.
public enum TextSanitizer {
    /// `text` with every control neutralised; `text` itself, without copying, when nothing needs changing.
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { replacement(for: $0) != nil }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            result.append(replacement(for: scalar) ?? scalar)
        }
        return String(result)
    }

    /// What `scalar` is shown as, or nil when it passes unchanged.
    static func replacement(for scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x09: " "
        case 0x00...0x1F: Unicode.Scalar(0x2400 + scalar.value)
        case 0x7F: "\u{2421}"
        case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069: "\u{FFFD}"
        default: nil
        }
    }
}
