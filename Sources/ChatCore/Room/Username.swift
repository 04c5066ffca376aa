/// A validated username: 1–32 ASCII letters, digits, `_`, `-` and `.`, and not a reserved word.
///
/// Names are unique case-insensitively: equality, hashing and ordering use ``key`` only, while ``display`` keeps the
/// spelling the user typed.
public struct Username: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name as typed, shown to other users.
    public let display: String
    /// The lower-cased name, used to compare names and as a storage key.
    public let key: String

    private init(validated display: String) {
        self.display = display
        self.key = display.lowercased()
    }

    /// The words no user can take, lower-cased: every command word, `server`, the words `history` shows in place of
    /// recipients (`room`, `everyone`) and the keywords of `broadcast user … message …`.
    public static let reservedWords: Set<String> = Set(CommandVerb.allCases.map(\.rawValue))
        .union(["server", "room", "everyone", "message", "user"])

    /// Checks `raw` as typed (nothing is trimmed): a `name-invalid` error when its form is wrong, `name-reserved`
    /// when it is a reserved word.
    public static func validate(_ raw: String) -> Result<Username, ProtocolError> {
        guard hasValidForm(raw) else { return .failure(.nameInvalid(raw)) }
        let name = Username(validated: raw)
        guard !reservedWords.contains(name.key) else { return .failure(.nameReservedWord(raw)) }
        return .success(name)
    }

    /// Whether `raw` has the form of a username, ignoring reserved words.
    static func hasValidForm(_ raw: String) -> Bool {
        ProtocolLimits.usernameLength.contains(raw.utf8.count) && raw.utf8.allSatisfy(isNameByte)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// Whether the name may be taken anew (as a guest, by `register`'s guest or by a new certificate): it must start
    /// with a letter, so that names such as `.`, `-rf` or `12345` are not taken. Names stored before this rule keep
    /// logging in; they are checked with ``validate(_:)`` only.
    public var mayBeTakenAnew: Bool {
        guard let first = display.utf8.first else { return false }
        switch first {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return true
        default: return false
        }
    }

    /// The name as typed.
    public var description: String { display }

    /// Names are equal when their keys are: `Alice` equals `alice`.
    public static func == (lhs: Username, rhs: Username) -> Bool {
        lhs.key == rhs.key
    }

    /// Hashes the key only, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
    }

    /// Orders by key, i.e. case-insensitively.
    public static func < (lhs: Username, rhs: Username) -> Bool {
        lhs.key < rhs.key
    }
}
