import Foundation

extension InMemoryMessageStore {
    public func append(_ message: NewMessage) throws -> StoredMessage {
        try self.checkOpen()
        let stored = StoredMessage(
            id: MessageID(rawValue: self.nextMessageID),
            at: message.at.roundedToStoreMilliseconds,
            senderKey: message.senderKey,
            senderName: message.senderName,
            audience: message.audience,
            text: message.text
        )
        self.nextMessageID += 1
        self.messages.append(stored)
        return stored
    }

    /// All or none: the store is checked once, then every message is added without a suspension in between.
    public func append(contentsOf messages: [NewMessage]) throws -> [StoredMessage] {
        try self.checkOpen()
        return try messages.map { try self.append($0) }
    }

    public func unreadInbox(for key: String) throws -> [StoredMessage] {
        try self.checkOpen()
        return self.messages
            .filter { message in
                !self.hides(message, from: key)
                    && message.recipients.contains { $0.key == key && $0.state == .unread }
            }
            .sorted(by: Self.chronological)
    }

    public func markRead(for key: String, ids: [MessageID]) throws {
        try self.checkOpen()
        let wanted = Set(ids)
        for index in self.messages.indices where wanted.contains(self.messages[index].id) {
            let audience = self.messages[index].audience
            var recipients = audience.recipients
            for position in recipients.indices where recipients[position].key == key {
                if recipients[position].state == .unread {
                    recipients[position].state = .read
                }
            }
            self.messages[index].audience = audience.replacingRecipients(with: recipients)
        }
    }

    public func unreadCount(for key: String) throws -> Int {
        try self.unreadInbox(for: key).count
    }

    public func history(for key: String, limit: Int) throws -> [StoredMessage] {
        try self.checkOpen()
        guard limit > 0 else {
            return []
        }
        let online = self.presences.filter { $0.identityKey == key }
        let matching = self.messages.filter { message in
            guard !self.hides(message, from: key) else {
                return false
            }
            if message.senderKey == key {
                return true
            }
            switch message.audience {
            case .direct(let recipients), .userList(let recipients), .sealed(let recipients):
                return recipients.contains { $0.key == key }
            case .room, .everyone:
                return online.contains { $0.start <= message.at && $0.end.map { message.at <= $0 } ?? true }
            }
        }
        return Array(matching.sorted(by: Self.chronological).suffix(limit))
    }

    static func chronological(_ lhs: StoredMessage, _ rhs: StoredMessage) -> Bool {
        (lhs.at, lhs.id) < (rhs.at, rhs.id)
    }
}

extension StoredMessage {
    /// The recipients of a direct message; empty for room and everyone messages.
    var recipients: [RecipientEntry] { self.audience.recipients }
}
