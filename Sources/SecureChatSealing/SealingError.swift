/// Why a message could not be sealed or opened, in words for the user.
public struct SealingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for example "bob's certificate does not allow key agreement".
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// An error for a failed OpenSSL call: `what` failed, with OpenSSL's reasons from its error queue.
    static func openSSL(_ what: String) -> SealingError {
        let reasons = OpenSSLErrorQueueReasons.drain()
        return SealingError(reasons.isEmpty ? what : "\(what): \(reasons)")
    }
}
