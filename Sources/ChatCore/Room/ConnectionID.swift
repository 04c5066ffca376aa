/// Identifies one live connection, beyond one process: the node that holds it and a number unique on that node. A
/// presence directory shared by several servers keeps it as it is, and a delivery sink finds the node from it.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    /// The server that holds the connection (0 for a server that runs alone).
    public let node: UInt16
    /// The connection's number, unique on its node for the lifetime of the server process.
    public let number: Int

    /// The connection `number` of `node`.
    public init(node: UInt16, number: Int) {
        self.node = node
        self.number = number
    }

    /// The connection `number` of node 0 (a server that runs alone).
    public init(_ number: Int) {
        self.init(node: 0, number: number)
    }

    /// `#<number>` on node 0, `#<number>@<node>` elsewhere, as used in log metadata.
    public var description: String { node == 0 ? "#\(number)" : "#\(number)@\(node)" }
}
