import ChatCore
import Foundation
import Synchronization

/// When each user logged in on this server, for the operator's `who`; the chat itself never reads it. Only the time:
/// the address and the certificate are in the delivery sink's registry already, and every byte here is paid by every
/// logged-in connection.
final class Roster: Sendable {
    private let logins = Mutex<[ConnectionID: Date]>([:])

    func add(_ connection: ConnectionID, at time: Date) {
        logins.withLock { $0[connection] = time }
    }

    func remove(_ connection: ConnectionID) {
        _ = logins.withLock { $0.removeValue(forKey: connection) }
    }

    func login(of connection: ConnectionID) -> Date? {
        logins.withLock { $0[connection] }
    }

    var count: Int { logins.withLock { $0.count } }
}
