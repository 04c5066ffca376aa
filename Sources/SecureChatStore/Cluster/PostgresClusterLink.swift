public import ChatCore

/// The chat's link to the other nodes (``ClusterLink``) over a ``PostgresCluster``: each message one event.
public struct PostgresClusterLink: ClusterLink {
    private let cluster: PostgresCluster

    public init(cluster: PostgresCluster) {
        self.cluster = cluster
    }

    public var node: UInt16 { cluster.membership?.node ?? 0 }

    public func relay(_ message: ClusterMessage) {
        cluster.relay(message.body)
    }

    public func relayConfirmed(_ message: ClusterMessage) async throws {
        try await cluster.publish([message.body])
    }
}
