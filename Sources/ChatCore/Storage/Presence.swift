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

extension SeenUser {
    /// One presence interval as a store reads it back (`end` nil while it is open).
    public struct Interval: Sendable {
        public let nameKey: String
        public let displayName: String
        public let start: Date
        public let end: Date?

        public init(nameKey: String, displayName: String, start: Date, end: Date?) {
            self.nameKey = nameKey
            self.displayName = displayName
            self.start = start
            self.end = end
        }
    }

    /// `wholast`'s list from intervals in the order they were recorded: one entry per name with its latest spelling,
    /// the latest time seen and whether any interval is open; latest first (ties by name). Every store uses it.
    public static func latestPerName(_ intervals: some Sequence<Interval>) -> [SeenUser] {
        var byName: [String: SeenUser] = [:]
        for interval in intervals {
            let seen = interval.end ?? interval.start
            var user =
                byName[interval.nameKey]
                ?? SeenUser(nameKey: interval.nameKey, displayName: interval.displayName, lastSeen: seen, isOpen: false)
            user.displayName = interval.displayName
            user.lastSeen = max(user.lastSeen, seen)
            user.isOpen = user.isOpen || interval.end == nil
            byName[interval.nameKey] = user
        }
        return byName.values.sorted { ($0.lastSeen, $1.nameKey) > ($1.lastSeen, $0.nameKey) }
    }
}
