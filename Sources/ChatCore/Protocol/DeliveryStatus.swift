/// What happened to one recipient of `broadcast user …`; the raw value is the word in the `DELIVERY` line.
public enum DeliveryStatus: String, Sendable, Hashable, CaseIterable {
    /// The recipient is online and got the message now.
    case delivered
    /// The recipient is an offline identity; the message is stored for their inbox.
    case queued
    /// The message did not go out (unknown user, offline guest, blocked, yourself); the explanation says why.
    case failed
}
