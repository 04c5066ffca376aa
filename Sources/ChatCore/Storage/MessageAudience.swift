/// Who a stored message was addressed to.
public enum MessageAudience: Hashable, Sendable {
    /// A line said in the room, seen by everyone online at that moment.
    case room
    /// `broadcast message …`: sent to everyone online at that moment.
    case everyone
    /// `send`: a private message to one user.
    case direct(recipients: [RecipientEntry])
    /// `broadcast user …`: a broadcast to the listed users; stored, queued and read like a direct message.
    case userList(recipients: [RecipientEntry])
    /// `seal`: a private message to one user whose text is the sealed message (base64 CMS), stored and queued like
    /// a direct message.
    case sealed(recipients: [RecipientEntry])

    /// The recipients of a direct message or of a broadcast to a list; empty for room and everyone messages.
    public var recipients: [RecipientEntry] {
        switch self {
        case .direct(let recipients), .userList(let recipients), .sealed(let recipients): recipients
        case .room, .everyone: []
        }
    }

    /// The same audience with `recipients` in place of its own; room and everyone messages have none to replace.
    func replacingRecipients(with recipients: [RecipientEntry]) -> MessageAudience {
        switch self {
        case .direct: .direct(recipients: recipients)
        case .userList: .userList(recipients: recipients)
        case .sealed: .sealed(recipients: recipients)
        case .room, .everyone: self
        }
    }
}

/// One recipient of a direct message.
public struct RecipientEntry: Hashable, Sendable {
    /// What happened to the message for this recipient.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// The recipient was online and got it at once.
        case delivered
        /// The recipient was offline; it waits in their inbox.
        case unread
        /// It waited in the inbox and the recipient has read it (``MessageStore/markRead(for:ids:)``).
        case read
    }

    /// The recipient's identity key, or `nil` for a guest (who never sees it again in an inbox or history).
    public var key: String?
    /// The recipient's name as shown.
    public var name: String
    /// Delivered at once, waiting unread, or read.
    public var state: State

    /// Creates a recipient entry; `key` is lower-cased, or `nil` for a guest.
    public init(key: String?, name: String, state: State) {
        self.key = key
        self.name = name
        self.state = state
    }
}
