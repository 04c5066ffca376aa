/// The text of a `PROMPT` line: what kind of answer it asks for, and the words for a person (docs/PROTOCOL.md,
/// "Logging in"). The kind is said on the wire so that no client has to guess it from those words.
///
/// `PROMPT <text>` asks for an ordinary answer, shown as it is typed; the seed's `PROMPT Enter username:` keeps this
/// form. `PROMPT <kind> <text>` asks for another kind of answer, named by `<kind>`: a word of lower-case ASCII
/// letters and `-`. A prompt's text starts with a capital letter, so the two forms cannot be confused.
public struct LoginPrompt: Sendable, Hashable {
    /// What the answer is.
    public enum Kind: Sendable, Hashable {
        /// An ordinary answer, such as a username: no kind word on the wire.
        case plain
        /// A password (`password`): not shown as it is typed, never kept.
        case password
        /// A kind word this program does not know (a newer peer's): its answer is treated as a secret.
        case unknown(String)

        /// The word on the wire after `PROMPT`, or nil for ``plain``.
        public var word: String? {
            switch self {
            case .plain: nil
            case .password: "password"
            case .unknown(let word): word
            }
        }

        /// Whether the answer must not be shown as it is typed: every kind but ``plain``, since showing a secret
        /// cannot be undone and hiding a plain answer costs little.
        public var isSecret: Bool {
            self != .plain
        }

        init(word: String) {
            self = word == Kind.password.word ? .password : .unknown(word)
        }
    }

    /// What the answer is.
    public let kind: Kind
    /// The words for a person (`Enter password for carol:`).
    public let text: String

    /// A prompt of `kind` showing `text`, which must start with a capital letter when `kind` is ``Kind/plain``.
    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    /// Reads the text after `PROMPT ` (without its line ending).
    public init(parsing wireText: some StringProtocol) {
        let first = wireText.prefix { $0 != " " }
        guard Self.isKindWord(first) else {
            self.init(.plain, String(wireText))
            return
        }
        self.init(Kind(word: String(first)), String(wireText.dropFirst(first.count).drop { $0 == " " }))
    }

    /// The text after `PROMPT ` on the wire.
    public var wireText: String {
        guard let word = kind.word else { return text }
        return text.isEmpty ? word : "\(word) \(text)"
    }

    private static func isKindWord(_ word: some StringProtocol) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || $0 == "-" }
    }
}
