public import Foundation

extension InMemoryMessageStore {
    public func blocks(of owner: String) throws -> Set<String> {
        try self.checkOpen()
        return Set((self.blockLists[owner] ?? [:]).keys)
    }

    public func block(owner: String, target: String, at: Date) throws {
        try self.checkOpen()
        if self.blockLists[owner]?[target] == nil {
            self.blockLists[owner, default: [:]][target] = at.roundedToStoreMilliseconds
        }
    }

    public func unblock(owner: String, target: String) throws -> Bool {
        try self.checkOpen()
        return self.blockLists[owner]?.removeValue(forKey: target) != nil
    }

    /// Whether a block of `owner`'s hides `message`: its sender is blocked, and it was sent at or after the block.
    func hides(_ message: StoredMessage, from owner: String) -> Bool {
        guard let since = self.blockLists[owner]?[message.senderNameKey] else { return false }
        return message.at >= since
    }
}
