extension StoredMessage {
    /// Who a stored message went to, as shown in a `HISTORY` line: `room`, `everyone`, or the recipients' names.
    public var recipientDescription: String {
        switch audience {
        case .room: "room"
        case .everyone: "everyone"
        case .direct(let recipients), .userList(let recipients), .sealed(let recipients):
            recipients.map(\.name).joined(separator: ",")
        }
    }

    /// How it was sent, as an `INBOX` line says it: `private` (`send`) or `broadcast` (`broadcast user …`).
    public var inboxKind: InboxKind {
        switch audience {
        case .userList, .everyone: .broadcast
        case .direct, .room: .private
        case .sealed: .sealed
        }
    }

    /// Whether the text is a sealed message (base64 only its recipients can open), never shown as plain text.
    public var isSealed: Bool {
        if case .sealed = audience { return true }
        return false
    }
}
