import ChatCore
import Foundation

/// How both stores keep a message's audience: `room`, `everyone` or `direct` with its recipients; a list broadcast
/// (`broadcast user …`) is a direct message marked `listed`, as inbox and history treat both alike, and a sealed
/// message (`seal`) one marked `sealed`.
struct StoredAudience {
    let name: String
    let listed: Bool
    let sealed: Bool
    let recipients: [RecipientEntry]

    init(_ audience: MessageAudience) {
        switch audience {
        case .room: (name, listed, sealed, recipients) = ("room", false, false, [])
        case .everyone: (name, listed, sealed, recipients) = ("everyone", false, false, [])
        case .direct(let entries): (name, listed, sealed, recipients) = ("direct", false, false, entries)
        case .userList(let entries): (name, listed, sealed, recipients) = ("direct", true, false, entries)
        case .sealed(let entries): (name, listed, sealed, recipients) = ("direct", false, true, entries)
        }
    }

    /// The audience of the stored message `id` read back (`recipients` only matter for a direct one).
    static func audience(
        name: String,
        listed: Bool,
        sealed: Bool,
        recipients: @autoclosure () -> [RecipientEntry],
        of id: Int64
    ) throws -> MessageAudience {
        switch name {
        case "room": return .room
        case "everyone": return .everyone
        case "direct" where sealed: return .sealed(recipients: recipients())
        case "direct" where listed: return .userList(recipients: recipients())
        case "direct": return .direct(recipients: recipients())
        default: throw StoreError.storageFailed("message \(id) has an unknown audience '\(name)'")
        }
    }
}

extension NewMessage {
    /// This message as stored under `id`, its time kept to the millisecond as both stores keep it.
    func stored(as id: Int64) -> StoredMessage {
        StoredMessage(
            id: MessageID(rawValue: id),
            at: Date(millisecondsSince1970: at.millisecondsSince1970),
            senderKey: senderKey,
            senderName: senderName,
            audience: audience,
            text: text
        )
    }
}
