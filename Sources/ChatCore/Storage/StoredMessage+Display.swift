extension StoredMessage {
    /// Who a stored message went to, as shown in a `HISTORY` line: `room`, `everyone`, or the recipients' names.
    public var recipientDescription: String {
        switch audience {
        case .room: "room"
        case .everyone: "everyone"
        case .direct(let recipients), .userList(let recipients): recipients.map(\.name).joined(separator: ",")
        }
    }

    /// How it was sent, as an `INBOX` line says it: `private` (`send`) or `broadcast` (`broadcast user …`).
    public var inboxKind: InboxKind {
        switch audience {
        case .userList, .everyone: .broadcast
        case .direct, .room: .private
        }
    }
}
