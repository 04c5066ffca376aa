/// Who is online and what reaches whom: the room's state, without I/O, storage or clocks.
///
/// Every operation returns the deliveries the transport must carry out; formatting happens once per delivery,
/// however many recipients it has.
public struct ChatRoom: Sendable {
    private var members: [String: RoomMember] = [:]

    /// An empty room.
    public init() {}

    /// The number of users online.
    public var count: Int { members.count }

    /// The member with this name key, if online.
    public func member(_ key: String) -> RoomMember? {
        members[key]
    }

    /// Adds `member` and tells everybody else who accepts them; refused when the name is online already.
    public mutating func join(_ member: RoomMember) -> Result<Delivery?, ProtocolError> {
        let key = member.name.key
        guard members[key] == nil else {
            return .failure(.nameTaken(member.name))
        }
        members[key] = member
        return .success(delivery(from: key, .joined(member.name.display)))
    }

    /// Removes the member on `connection`, telling the others why; nil when that connection was not in the room.
    public mutating func leave(_ key: String, connection: ConnectionID, because reason: LeaveReason) -> Delivery? {
        guard let member = members[key], member.connection == connection else {
            return nil
        }
        members[key] = nil
        return delivery(from: key, reason.notice(for: member.name.display))
    }

    /// The member whose session runs on `connection`, if it is in the room.
    public func member(on connection: ConnectionID) -> RoomMember? {
        members.values.first { $0.connection == connection }
    }

    /// Gives the member on `connection` a new identity (a guest who registered); false when it is not in the room.
    @discardableResult
    public mutating func identify(_ key: String, connection: ConnectionID, as identity: IdentityKind) -> Bool {
        guard members[key]?.connection == connection else { return false }
        members[key]?.identity = identity
        return true
    }

    /// The connections of everybody but `senderKey` who accepts lines from them; nil when that is nobody, or the
    /// sender is not in the room.
    public func recipients(from senderKey: String) -> [ConnectionID]? {
        guard members[senderKey] != nil else { return nil }
        return connections(acceptingFrom: senderKey)
    }

    /// The connections of everybody but `senderKey` (in the room or just gone) who accepts lines from them; nil when
    /// that is nobody. The sender need not be in this room (a user of another node of a cluster).
    public func connections(acceptingFrom senderKey: String) -> [ConnectionID]? {
        var recipients: [ConnectionID] = []
        recipients.reserveCapacity(members.count)
        for (key, member) in members where key != senderKey && member.accepts(from: senderKey) {
            recipients.append(member.connection)
        }
        return recipients.isEmpty ? nil : recipients
    }

    /// The names of everybody online but `key`, sorted case-insensitively.
    public func others(than key: String) -> [Username] {
        members.values.filter { $0.name.key != key }.map(\.name).sorted { $0.key < $1.key }
    }

    /// Records that `ownerKey` blocks `targetKey`; false when it already did or the owner is not online.
    @discardableResult
    public mutating func block(_ targetKey: String, by ownerKey: String) -> Bool {
        members[ownerKey]?.blocks.insert(targetKey).inserted ?? false
    }

    /// Records that `ownerKey` no longer blocks `targetKey`; false when it did not.
    @discardableResult
    public mutating func unblock(_ targetKey: String, by ownerKey: String) -> Bool {
        members[ownerKey]?.blocks.remove(targetKey) != nil
    }

    /// Every online member, in no particular order.
    public var everyone: some Collection<RoomMember> { members.values }

    private func delivery(from senderKey: String, _ reply: ServerReply) -> Delivery? {
        connections(acceptingFrom: senderKey).map { Delivery(to: $0, reply) }
    }
}
