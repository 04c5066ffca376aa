/// Identifies one live connection inside the room; the transport maps it to its channel.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    /// The raw number, unique for the lifetime of the server process.
    public let rawValue: Int

    /// Wraps a raw connection number.
    public init(_ rawValue: Int) {
        self.rawValue = rawValue
    }

    /// `#<number>`, as used in log metadata.
    public var description: String { "#\(rawValue)" }
}
