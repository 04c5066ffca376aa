public import Foundation

/// The store's identifier of one presence interval (one login until its logout).
public struct PresenceID: Hashable, Sendable, CustomStringConvertible {
    /// The raw value (a database row id).
    public var rawValue: Int64

    /// Wraps a raw value.
    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    public var description: String { "\(self.rawValue)" }
}

/// One user in the answer of ``MessageStore/recentlySeen(since:)``.
public struct SeenUser: Hashable, Sendable {
    /// The lower-cased name.
    public var nameKey: String
    /// The name as shown at the most recent login.
    public var displayName: String
    /// The end of the latest presence interval, or the latest login if an interval is still open.
    public var lastSeen: Date
    /// Whether the store has an interval without a logout: the user is online now (the caller leaves those out).
    public var isOpen: Bool

    /// Creates a value.
    public init(nameKey: String, displayName: String, lastSeen: Date, isOpen: Bool) {
        self.nameKey = nameKey
        self.displayName = displayName
        self.lastSeen = lastSeen
        self.isOpen = isOpen
    }
}
