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
