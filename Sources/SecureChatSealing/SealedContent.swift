public import Foundation

/// What a sealed message says inside its signature: who sent it, to whom, when, and the text. Sender, recipient and
/// time are signed with the text, so a sealed message cannot be passed off as sent to someone else, by someone else,
/// or at another time (docs/SEALED.md).
///
/// The form is a few mail-like header lines, a blank line, then the text, so that `openssl cms -verify` prints
/// something a person can read, and a person can write one by hand:
///
///     From: alice
///     To: bob
///     Date: 2026-12-05T16:00:00Z
///
///     meet at 6
public struct SealedContent: Sendable, Equatable {
    /// The sender's name (their certificate's CN).
    public var from: String
    /// The recipient's name (their certificate's CN).
    public var to: String
    /// When it was sealed, to the second.
    public var date: Date
    /// The message.
    public var text: String

    /// A message from `from` to `to`, sealed at `date` (kept to the second).
    public init(from: String, to: String, date: Date, text: String) {
        self.from = from
        self.to = to
        self.date = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        self.text = text
    }

    /// The bytes that are signed.
    public var encoded: [UInt8] {
        Array("From: \(from)\nTo: \(to)\nDate: \(Self.timestamp(date))\n\n\(text)\n".utf8)
    }

    /// Reads `bytes`, as ``encoded`` writes them or as a person writes them by hand (CRLF line endings, headers in
    /// any case and order, others ignored, one final line ending not part of the text). Nil when `bytes` are not
    /// UTF-8 or lack one of the three headers.
    public init?(parsing bytes: [UInt8]) {
        guard var whole = String(validating: bytes, as: UTF8.self) else { return nil }
        whole = whole.replacingOccurrences(of: "\r\n", with: "\n")
        guard let split = whole.range(of: "\n\n") else { return nil }
        var headers: [String: String] = [:]
        for line in whole[..<split.lowerBound].split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var text = whole[split.upperBound...]
        if text.hasSuffix("\n") { text = text.dropLast() }
        guard let from = headers["from"], let to = headers["to"], let stamp = headers["date"],
            let date = Self.date(stamp), !from.isEmpty, !to.isEmpty
        else { return nil }
        self.init(from: from, to: to, date: date, text: String(text))
    }

    static func timestamp(_ date: Date) -> String {
        formatter().string(from: date)
    }

    static func date(_ stamp: String) -> Date? {
        formatter().date(from: stamp)
    }

    private static func formatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }
}
