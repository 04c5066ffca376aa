import Foundation

extension ChatService {
    /// Everyone online, on every node, as the presence directory knows them (the operator's `who`).
    public func online() async throws -> [PresenceEntry] {
        try await directory.everyone()
    }

    /// Who holds `name` now, and on which connection of which node.
    public func holder(of name: Username) async throws -> PresenceEntry? {
        try await directory.holder(of: name.key)
    }
}

/// What became of an operator's request to remove a user (`securechat-ctl kick`).
public enum Removal: Sendable, Equatable {
    /// Taken out of the room here (the others told why), told themselves, and their connection closed.
    case removed(PresenceEntry)
    /// On another node of the cluster, which was sent the request and removes them itself.
    case forwarded(PresenceEntry)
    /// Nobody of that name is online.
    case notOnline
}

extension ChatService {
    /// Removes whoever holds `name`, on this node or, in a cluster, on the node that holds it; they are told `reason`
    /// (neutralised as any text one person shows another). Throws when the directory or the other nodes cannot be
    /// reached.
    public func remove(_ name: Username, reason: String?) async throws -> Removal {
        guard let holder = try await directory.holder(of: name.key) else { return .notOnline }
        let said = reason.map { TextSanitizer.sanitize($0).trimmingCharacters(in: .whitespaces) }
            .flatMap { $0.isEmpty ? nil : $0 }
        if let cluster, holder.connection.node != cluster.node {
            try await cluster.relayConfirmed(
                .removal(recipient: holder.name.key, node: holder.connection.node, reason: said)
            )
            return .forwarded(holder)
        }
        return await removeHere(holder.connection, reason: said) ? .removed(holder) : .notOnline
    }

    /// Takes the user on `connection` (of this node) out of the room, tells them why and closes the connection;
    /// false when nobody is in the room on it.
    func removeHere(_ connection: ConnectionID, reason: String?) async -> Bool {
        guard await expel(connection, because: .removedByOperator) else { return false }
        let notice = "you have been removed by the server's operator" + (reason.map { ": \($0)" } ?? "")
        sink.deliver([.notice(notice), .bye(notice)], to: [connection])
        sink.close(connection)
        return true
    }
}
