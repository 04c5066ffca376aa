import ChatCore

extension StoredMessage {
    /// Who a stored message went to, as shown in a `HISTORY` line: `room`, `everyone`, or the recipients' names.
    var recipientDescription: String {
        switch audience {
        case .room: "room"
        case .everyone: "everyone"
        case .direct(let recipients): recipients.map(\.name).joined(separator: ",")
        }
    }
}
