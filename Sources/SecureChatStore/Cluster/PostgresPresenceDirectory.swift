public import ChatCore
import Foundation
internal import PostgresNIO

/// Who is online across a cluster: the names held, in `cluster_names`, each tied to the node holding it. A claim is
/// one insert (the name is the primary key, so of two servers claiming it at the same instant exactly one wins), and
/// only a member may claim: a fenced node's claims fail, and a removed node's names go with its row. Lock-outs are
/// the store's, as on a server that runs alone.
public final class PostgresPresenceDirectory: PresenceDirectory {
    private let cluster: PostgresCluster
    private let store: PostgresMessageStore
    private let lockOuts: LocalPresenceDirectory

    public init(
        cluster: PostgresCluster,
        clock: any ChatClock = SystemChatClock(),
        limits: LoginGuard.Limits = LoginGuard.Limits()
    ) {
        self.cluster = cluster
        self.store = cluster.store
        self.lockOuts = LocalPresenceDirectory(clock: clock, limits: limits, attempts: cluster.store)
    }

    /// The membership `connection` belongs to: only a connection of this node's current membership may claim.
    private func membership(of connection: ConnectionID) throws -> PostgresCluster.Membership {
        guard let membership = cluster.membership, membership.node == connection.node else {
            throw PostgresCluster.ClusterError.notAMember
        }
        return membership
    }

    public func claim(_ entry: PresenceEntry) async throws -> Bool {
        let membership = try membership(of: entry.connection)
        let logger = cluster.logger
        let (claimed, member) = try await store.run { client -> (Bool, Bool) in
            let rows = try await client.query(
                """
                INSERT INTO cluster_names (name_key, display_name, identity, node, connection)
                SELECT \(entry.name.key), \(entry.name.display), \(entry.identity.rawValue), id,
                       \(Int64(entry.connection.number))
                FROM cluster_nodes WHERE id = \(Int32(membership.node)) AND incarnation = \(membership.incarnation)
                ON CONFLICT (name_key) DO NOTHING
                RETURNING 1
                """,
                logger: logger
            ).collect()
            if !rows.isEmpty { return (true, true) }
            let member = try await client.query(
                """
                SELECT 1 FROM cluster_nodes
                WHERE id = \(Int32(membership.node)) AND incarnation = \(membership.incarnation)
                """,
                logger: logger
            ).collect()
            return (false, !member.isEmpty)
        }
        guard member else { throw PostgresCluster.ClusterError.notAMember }
        return claimed
    }

    /// Gives up `key` if `connection` holds it. Nothing while this node is fenced: its names stay until another
    /// node removes it, and announces their leaving to everyone.
    public func release(_ key: String, connection: ConnectionID) async throws {
        guard (try? membership(of: connection)) != nil else { return }
        let logger = cluster.logger
        try await store.run { client in
            try await client.query(
                """
                DELETE FROM cluster_names
                WHERE name_key = \(key) AND node = \(Int32(connection.node)) AND connection = \(Int64(connection.number))
                """,
                logger: logger
            )
        }
    }

    public func update(_ key: String, connection: ConnectionID, identity: IdentityKind) async throws {
        let logger = cluster.logger
        try await store.run { client in
            try await client.query(
                """
                UPDATE cluster_names SET identity = \(identity.rawValue)
                WHERE name_key = \(key) AND node = \(Int32(connection.node)) AND connection = \(Int64(connection.number))
                """,
                logger: logger
            )
        }
    }

    public func updateGuestBlocks(_ key: String, connection: ConnectionID, blocks: Set<String>) async throws {
        let logger = cluster.logger
        let sorted = blocks.sorted()
        try await store.run { client in
            try await client.query(
                """
                UPDATE cluster_names SET guest_blocks = \(sorted)
                WHERE name_key = \(key) AND node = \(Int32(connection.node)) AND connection = \(Int64(connection.number))
                """,
                logger: logger
            )
        }
    }

    public func holder(of key: String) async throws -> PresenceEntry? {
        try await entries(where: "WHERE name_key = $1", key).first
    }

    public func everyone() async throws -> [PresenceEntry] {
        try await entries(where: "", nil)
    }

    private func entries(where condition: String, _ key: String?) async throws -> [PresenceEntry] {
        var binds = PostgresBindings(capacity: 1)
        if let key { binds.append(key) }
        let query = PostgresQuery(
            unsafeSQL:
                "SELECT display_name, identity, node, connection, guest_blocks, since FROM cluster_names \(condition)",
            binds: binds
        )
        let logger = cluster.logger
        let rows = try await store.run { client -> [(String, String, Int32, Int64, [String], Date)] in
            var rows: [(String, String, Int32, Int64, [String], Date)] = []
            for try await row in try await client.query(query, logger: logger).decode(
                (String, String, Int32, Int64, [String], Date).self
            ) {
                rows.append(row)
            }
            return rows
        }
        return try rows.map { display, identity, node, connection, blocks, since in
            guard case .success(let name) = Username.validate(display), let kind = IdentityKind(rawValue: identity)
            else {
                throw StoreError.storageFailed(
                    "cluster_names holds a row that is not a name: '\(display)', '\(identity)'"
                )
            }
            return PresenceEntry(
                name: name,
                connection: ConnectionID(node: UInt16(node), number: Int(connection)),
                identity: kind,
                guestBlocks: Set(blocks),
                since: since
            )
        }
    }

    public func lockRemaining(of key: String, from source: String) async throws -> Int? {
        try await lockOuts.lockRemaining(of: key, from: source)
    }

    public func recordWrongPassword(for key: String, from source: String) async throws -> Int? {
        try await lockOuts.recordWrongPassword(for: key, from: source)
    }

    public func recordCorrectPassword(for key: String, from source: String) async throws {
        try await lockOuts.recordCorrectPassword(for: key, from: source)
    }
}
