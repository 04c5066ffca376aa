public import Foundation

/// A message to store with ``MessageStore/append(_:)``.
public struct NewMessage: Hashable, Sendable {
    /// When it was sent (kept to the millisecond).
    public var at: Date
    /// The sender's identity key, or `nil` when a guest sent it.
    public var senderKey: String?
    /// The sender's name as shown.
    public var senderName: String
    /// Room, everyone, or a list of recipients.
    public var audience: MessageAudience
    /// The message text.
    public var text: String

    /// Creates a message to append.
    public init(at: Date, senderKey: String?, senderName: String, audience: MessageAudience, text: String) {
        self.at = at
        self.senderKey = senderKey
        self.senderName = senderName
        self.audience = audience
        self.text = text
    }
}
