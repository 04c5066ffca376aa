/// One reply to carry to one or more connections; the transport formats it once and shares the bytes.
public struct Delivery: Sendable, Equatable {
    /// Where the reply goes.
    public var recipients: [ConnectionID]
    /// What to send.
    public var reply: ServerReply

    /// A delivery of `reply` to `recipients`.
    public init(to recipients: [ConnectionID], _ reply: ServerReply) {
        self.recipients = recipients
        self.reply = reply
    }
}
