/// A sealed message opened with the user's key: its signed content, who signed it, and everything that keeps it from
/// being verified.
public struct OpenedMessage: Sendable {
    /// What the sender signed.
    public var content: SealedContent
    /// The certificate the signature was made with (carried in the message).
    public var signer: UserCertificate
    /// Why the message is not verified, one reason each; empty when it is: the signature matches, the signer's
    /// certificate checks out against the user's own CA as of when the message reached the server, and the signed
    /// sender, recipient and time agree with what the server says.
    public var problems: [String]

    /// Whether nothing is wrong.
    public var isVerified: Bool { problems.isEmpty }
}
