/// The numbers fixed by docs/PROTOCOL.md, in one place for the parser, the server and the tests.
public enum ProtocolLimits {
    /// The TCP port the server listens on unless told otherwise.
    public static let defaultPort = 7443
    /// The longest line, in bytes, not counting the line ending.
    public static let maximumLineBytes = 4096
    /// The longest `seal` line, in bytes, not counting the line ending: a sealed message carries a signature, the
    /// sender's certificate and one key per recipient besides its text, in base64 (docs/SEALED.md).
    public static let maximumSealedLineBytes = 16384
    /// The allowed length of a username, in characters.
    public static let usernameLength: ClosedRange<Int> = 1...32
    /// The allowed argument of `wholast <minutes>` (one year at most).
    public static let wholastMinutes: ClosedRange<Int> = 1...525_600
    /// The allowed argument of `history [N]`.
    public static let historyCount: ClosedRange<Int> = 1...500
    /// The number of messages `history` shows without an argument.
    public static let defaultHistoryCount = 20
    /// The most distinct users one `broadcast user …` may name.
    public static let maximumBroadcastUsers = 50
    /// The shortest password `register` accepts, in characters.
    public static let minimumPasswordLength = 8
    /// Wrong passwords in a row that lock a name.
    public static let maximumPasswordFailures = 3
    /// How long a locked name stays locked, in seconds.
    public static let nameLockSeconds = 60
}
