/// A refusal the server sends to a client as `ERROR <code> <message>` (docs/PROTOCOL.md, "Errors").
///
/// The code is stable and meant for programs; the message is for people. Two errors are equal when both their code
/// and their message are equal.
public struct ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable, machine-readable code: the second word of the `ERROR` line.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, CaseIterable {
            case usage
            case unknownCommand = "unknown-command"
            case unknownUser = "unknown-user"
            case offlineGuest = "offline-guest"
            case blocked
            case notAllowed = "not-allowed"
            case noCertificate = "no-certificate"
            case nameInvalid = "name-invalid"
            case nameTaken = "name-taken"
            case nameReserved = "name-reserved"
            case nameLocked = "name-locked"
            case badPassword = "bad-password"
            case weakPassword = "weak-password"
            case alreadyRegistered = "already-registered"
            case lineTooLong = "line-too-long"
            case invalidUTF8 = "invalid-utf8"
            case rateLimited = "rate-limited"
            case serverError = "server-error"
        }

        let base: Base

        /// The code as it appears on the wire, for example `unknown-user`.
        public var wireName: String { base.rawValue }

        /// The same as ``wireName``.
        public var description: String { base.rawValue }

        /// Every code in docs/PROTOCOL.md, in the order of its Errors table.
        public static let allCases: [Code] = Base.allCases.map(Code.init(base:))

        /// A command with missing or malformed arguments; the message gives the right form.
        public static let usage = Code(base: .usage)
        /// A line starting with `/` that names no command.
        public static let unknownCommand = Code(base: .unknownCommand)
        /// No such user.
        public static let unknownUser = Code(base: .unknownUser)
        /// The user is an offline guest: nothing can be stored for them.
        public static let offlineGuest = Code(base: .offlineGuest)
        /// The recipient blocks the sender.
        public static let blocked = Code(base: .blocked)
        /// The command is not available to this user.
        public static let notAllowed = Code(base: .notAllowed)
        /// The user has no certificate to seal a message to.
        public static let noCertificate = Code(base: .noCertificate)
        /// Not a valid username.
        public static let nameInvalid = Code(base: .nameInvalid)
        /// The name is online now.
        public static let nameTaken = Code(base: .nameTaken)
        /// The name belongs to a certificate or is a reserved word.
        public static let nameReserved = Code(base: .nameReserved)
        /// Too many wrong passwords; try again later.
        public static let nameLocked = Code(base: .nameLocked)
        /// Wrong password.
        public static let badPassword = Code(base: .badPassword)
        /// A password that is too short.
        public static let weakPassword = Code(base: .weakPassword)
        /// `register` for a name that is registered already.
        public static let alreadyRegistered = Code(base: .alreadyRegistered)
        /// A line over the length limit; the rest of it was skipped.
        public static let lineTooLong = Code(base: .lineTooLong)
        /// A line that is not UTF-8.
        public static let invalidUTF8 = Code(base: .invalidUTF8)
        /// Too many lines too fast.
        public static let rateLimited = Code(base: .rateLimited)
        /// The server could not complete the command; nothing was acknowledged.
        public static let serverError = Code(base: .serverError)
    }

    /// The stable code.
    public let code: Code
    /// The explanation for people; never empty.
    public let message: String

    /// An error with `code` and the human-readable `message`.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `<code> <message>`, as it follows `ERROR ` on the wire.
    public var description: String { "\(code.wireName) \(message)" }
}
