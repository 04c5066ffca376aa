public import Foundation

extension Date {
    /// Milliseconds since 1970-01-01 UTC, rounded to the nearest: the precision every ``MessageStore`` keeps.
    public var millisecondsSince1970: Int64 {
        Int64((self.timeIntervalSince1970 * 1000).rounded())
    }

    /// The date `milliseconds` after 1970-01-01 UTC.
    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// This date rounded to the millisecond, as a ``MessageStore`` gives it back.
    public var roundedToStoreMilliseconds: Date {
        Date(millisecondsSince1970: self.millisecondsSince1970)
    }
}
