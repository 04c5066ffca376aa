/// Neutralises text from one user before it reaches another user's terminal (docs/PROTOCOL.md, "Transport").
///
/// Works on Unicode scalars, so a control character is caught even where it joins a grapheme cluster:
/// - C0 controls U+0000–U+001F become control pictures U+2400–U+241F (ESC → ␛, BEL → ␇, LF → ␊), except TAB,
///   which becomes a space;
/// - DEL U+007F becomes ␡ U+2421;
/// - C1 controls U+0080–U+009F, the bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069, and the
///   invisible format characters (see ``isInvisibleFormat(_:)``) become the replacement character U+FFFD.
///
/// The zero width joiner U+200D is kept between two emoji, where it draws one picture (👨‍👩‍👧); anywhere else it
/// is as invisible as the others. Tag characters U+E0020–U+E007F are kept only as the well-formed tail of a black flag
/// U+1F3F4, where they name a subdivision's flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿); anywhere else they are hidden text.
///
/// No escape sequence survives, and the result never contains a line ending.
public enum TextSanitizer {
    /// `text` with every control neutralised; `text` itself, without copying, when nothing needs changing.
    public static func sanitize(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard
            let first = scalars.firstIndex(where: {
                replacement(for: $0) != nil || $0 == zeroWidthJoiner || isTag($0)
            })
        else {
            return text
        }
        var result = String.UnicodeScalarView(scalars[..<first])
        var index = first
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if scalar == zeroWidthJoiner {
                let joinsEmoji =
                    result.last.map(endsEmoji) == true && next < scalars.endIndex && startsEmoji(scalars[next])
                result.append(joinsEmoji ? scalar : "\u{FFFD}")
            } else if isTag(scalar) {
                var end = next
                while end < scalars.endIndex, isTag(scalars[end]) { end = scalars.index(after: end) }
                let run = scalars[index..<end]
                let keep = result.last == blackFlag && isSubdivisionFlagTail(run)
                result.append(contentsOf: keep ? Array(run) : Array(repeating: "\u{FFFD}", count: run.count))
                index = end
                continue
            } else {
                result.append(replacement(for: scalar) ?? scalar)
            }
            index = next
        }
        return String(result)
    }

    /// What `scalar` is shown as, or nil when it passes unchanged (the zero width joiner depends on its neighbours and
    /// is left to ``sanitize(_:)``).
    static func replacement(for scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x09: " "
        case 0x00...0x1F: Unicode.Scalar(0x2400 + scalar.value)
        case 0x7F: "\u{2421}"
        case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069: "\u{FFFD}"
        default: isInvisibleFormat(scalar) ? "\u{FFFD}" : nil
        }
    }

    /// Format characters that draw nothing, so a reader cannot see them, yet change how text around them is ordered,
    /// broken into lines or matched: zero width space, non-joiner and the left-to-right/right-to-left marks
    /// U+200B–U+200F (the joiner U+200D is handled apart), the line and paragraph separators U+2028–U+2029, the
    /// Arabic letter mark U+061C, the Mongolian vowel separator U+180E, the word joiner and invisible operators
    /// U+2060–U+2064, the deprecated format controls U+206A–U+206F, the byte order mark U+FEFF and the interlinear
    /// annotation controls U+FFF9–U+FFFB; and characters that draw nothing in a terminal though they are not format
    /// controls: the soft hyphen U+00AD, the combining grapheme joiner U+034F, the Hangul fillers U+115F, U+1160,
    /// U+3164 and U+FFA0, the Khmer inherent vowels U+17B4–U+17B5, the Mongolian variation selectors U+180B–U+180D and
    /// U+180F, the musical formatting controls U+1D173–U+1D17A and the language tag U+E0001.
    static func isInvisibleFormat(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200E, 0x200F, 0x2028, 0x2029, 0x061C, 0x180E, 0x2060...0x2064, 0x206A...0x206F,
            0xFEFF, 0xFFF9...0xFFFB, 0x00AD, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5, 0x180B...0x180D,
            0x180F, 0x1D173...0x1D17A, 0xE0001:
            true
        default:
            false
        }
    }

    private static let zeroWidthJoiner: Unicode.Scalar = "\u{200D}"
    private static let blackFlag: Unicode.Scalar = "\u{1F3F4}"
    private static let cancelTag: Unicode.Scalar = "\u{E007F}"

    private static func isTag(_ scalar: Unicode.Scalar) -> Bool {
        (0xE0020...0xE007F).contains(scalar.value)
    }

    /// Whether `run` is what follows a black flag in a subdivision's flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿): two to six tag digits or lower-case tag
    /// letters, then the cancel tag. Any other run would carry hidden text.
    private static func isSubdivisionFlagTail(_ run: Substring.UnicodeScalarView) -> Bool {
        guard run.last == cancelTag, (3...7).contains(run.count) else { return false }
        return run.dropLast().allSatisfy {
            (0xE0030...0xE0039).contains($0.value) || (0xE0061...0xE007A).contains($0.value)
        }
    }

    /// Whether an emoji sequence may continue after `scalar`: a pictograph, a skin tone or the emoji variation
    /// selector. ASCII digits, `#` and `*` count as emoji in Unicode's data but never take part in a joined one.
    private static func endsEmoji(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\u{FE0F}" || startsEmoji(scalar)
    }

    private static func startsEmoji(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x7F && (scalar.properties.isEmoji || scalar.properties.isEmojiModifier)
    }
}
