import Foundation
import Logging
import Synchronization
import Testing

@testable import ChatCore

/// A ``DeliverySink`` that records every delivery, in order; connections can be marked closed.
final class RecordingSink: DeliverySink {
    /// One call of ``deliver(_:to:)``; recipients as a set (the room hands them over in no particular order).
    struct Delivered: Equatable, CustomStringConvertible {
        var replies: [ServerReply]
        var connections: Set<ConnectionID>
        var description: String { "\(replies) → \(connections.map(\.description).sorted())" }
    }

    private struct State {
        var log: [Delivered] = []
        var closed: Set<ConnectionID> = []
    }

    private let state = Mutex(State())

    func deliver(_ replies: [ServerReply], to connections: [ConnectionID]) {
        state.withLock { $0.log.append(Delivered(replies: replies, connections: Set(connections))) }
    }

    func isOpen(_ connection: ConnectionID) -> Bool {
        state.withLock { !$0.closed.contains(connection) }
    }

    /// From now on `connection` counts as gone.
    func close(_ connection: Int) {
        close(ConnectionID(connection))
    }

    func close(_ connection: ConnectionID) {
        _ = state.withLock { $0.closed.insert(connection) }
    }

    /// Every delivery so far, in order.
    var deliveries: [Delivered] { state.withLock { $0.log } }

    /// Everything connection `number` received, in order.
    func received(by number: Int) -> [ServerReply] {
        state.withLock { $0.log.filter { $0.connections.contains(ConnectionID(number)) }.flatMap(\.replies) }
    }

    /// Forgets what was delivered so far (a test's set-up).
    func clear() {
        state.withLock { $0.log = [] }
    }
}

/// A ``ChatClock`` that moves only when told.
final class ManualClock: ChatClock {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    private let elapsed = Mutex(0.0)

    func now() -> Date { Self.start.addingTimeInterval(seconds()) }
    func seconds() -> Double { elapsed.withLock { $0 } }

    func advance(by seconds: Double) {
        elapsed.withLock { $0 += seconds }
    }
}

/// A ``PasswordHasher`` whose hash is the password behind a prefix.
struct PrefixHasher: PasswordHasher {
    func hash(_ password: String) async -> String { "hash:" + password }
    func verify(_ password: String, against hash: String) async -> Bool { hash == "hash:" + password }
}

/// A service with an in-memory store, a local directory, a recording sink and a manual clock.
struct ServiceFixture {
    let store: InMemoryMessageStore
    let clock: ManualClock
    let sink: RecordingSink
    let directory: LocalPresenceDirectory
    let service: ChatService

    /// A fixture whose service uses `observed` (wrapping its in-memory store) when given.
    init(
        limits: ChatService.Limits = ChatService.Limits(),
        observed: ObservedStore? = nil,
        metrics: ChatMetrics = ChatMetrics()
    ) {
        let store = observed?.inner ?? InMemoryMessageStore()
        let clock = ManualClock()
        let sink = RecordingSink()
        let directory = LocalPresenceDirectory(clock: clock)
        self.store = store
        self.clock = clock
        self.sink = sink
        self.directory = directory
        service = ChatService(
            store: observed ?? store,
            directory: directory,
            sink: sink,
            hasher: PrefixHasher(),
            clock: clock,
            limits: limits,
            metrics: metrics,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// `raw` in the room on connection `number`; the test stops when the join fails.
    func join(_ raw: String, as identity: IdentityKind = .guest, on number: Int) async throws -> ChatUser {
        try await service.join(name(raw), as: identity, on: ConnectionID(number)).get()
    }

    /// Stores a password identity for `raw`, as `register` would have in an earlier session.
    func registered(_ raw: String, password: String = "secret") async throws {
        try await store.createIdentity(
            StoredIdentity(
                key: raw.lowercased(),
                displayName: raw,
                kind: .password(hash: "hash:" + password),
                createdAt: clock.now()
            )
        )
    }

    /// Stores a certificate identity spelled `raw`.
    func certificate(_ raw: String) async throws {
        try await store.createIdentity(
            StoredIdentity(key: raw.lowercased(), displayName: raw, kind: .certificate, createdAt: clock.now())
        )
    }

    /// Waits for everything the service has under way (background stores too), then returns what the store holds.
    /// Closes the service (and the store): the end of a test.
    func settledMessages() async throws -> [StoredMessage] {
        try await service.close()
        return await store.messages
    }
}

func name(_ raw: String) -> Username { .fixture(raw) }

/// `alice` etc. as a stored recipient of a direct message.
func recipient(_ raw: String, _ state: RecipientEntry.State, identity: Bool = true) -> RecipientEntry {
    RecipientEntry(key: identity ? raw.lowercased() : nil, name: raw, state: state)
}

extension ServiceFixture {
    /// What the store holds now, as appended (without ids).
    func stored() async -> [NewMessage] {
        await store.messages.map {
            NewMessage(
                at: $0.at,
                senderKey: $0.senderKey,
                senderName: $0.senderName,
                audience: $0.audience,
                text: $0.text
            )
        }
    }

    /// Returns once the store holds `count` messages (chat lines and broadcasts are stored in the background); the
    /// bound only stops a broken test from hanging.
    func storedCount(reaches count: Int) async throws {
        for _ in 0..<100_000 {
            if await store.messages.count >= count { break }
            await Task.yield()
        }
        try #require(await store.messages.count == count)
    }

    /// A message from `sender` (an identity when `senderKey`) at the clock's time.
    func message(_ text: String, from sender: String, identity: Bool = true, to audience: MessageAudience) -> NewMessage
    {
        NewMessage(
            at: clock.now(),
            senderKey: identity ? sender.lowercased() : nil,
            senderName: sender,
            audience: audience,
            text: text
        )
    }
}
