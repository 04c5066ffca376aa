public import Foundation

/// The store's identifier of a message; increases with every append.
public struct MessageID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The raw value (a database row id).
    public var rawValue: Int64

    /// Wraps a raw value.
    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "\(self.rawValue)" }
}

/// A message as the store returns it.
public struct StoredMessage: Hashable, Sendable, Identifiable {
    /// The store's identifier.
    public var id: MessageID
    /// When it was sent (to the millisecond).
    public var at: Date
    /// The sender's identity key, or `nil` when a guest sent it.
    public var senderKey: String?
    /// The sender's name as shown.
    public var senderName: String
    /// Room, everyone, or the recipients with their states.
    public var audience: MessageAudience
    /// The message text.
    public var text: String

    /// Creates a stored message value.
    public init(
        id: MessageID,
        at: Date,
        senderKey: String?,
        senderName: String,
        audience: MessageAudience,
        text: String
    ) {
        self.id = id
        self.at = at
        self.senderKey = senderKey
        self.senderName = senderName
        self.audience = audience
        self.text = text
    }

    /// The lower-cased sender name; blocks are matched against it, so blocking a name also hides a guest using it.
    public var senderNameKey: String { self.senderName.lowercased() }
}
