import Foundation

/// What the renderer shows of a sealed message, once the client has tried to open it.
struct SealedView: Equatable, Sendable {
    /// The text, when it could be opened (shown with ``warnings`` if there are any).
    var text: String?
    /// Why the message is not verified, or why it could not be opened; empty for a verified message.
    var warnings: [String]
    /// Remarks that are no warning ("bob's key is new to you: remembered").
    var notes: [String] = []
}

/// Opens the sealed messages the renderer shows (``SealedMessages`` does, with the user's key).
protocol SealedOpening {
    /// Opens `sealed` (base64) that the server says `from` sent to `to` (nil: this user) and received at `at` (nil:
    /// now, for a message that is arriving).
    func open(_ sealed: String, from: String, to: String?, receivedAt: Date?) -> SealedView
}
