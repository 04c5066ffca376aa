import ChatCore
import Foundation
import Testing

/// The in-memory fake on its own. The full behaviour suite (shared with SQLite) is
/// Tests/SecureChatStoreTests/MessageStoreBehaviourTests.swift, which runs against both implementations.
@Suite("InMemoryMessageStore")
struct InMemoryMessageStoreTests {
    private let base = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aQueuedMessageWaitsInTheInboxUntilRead() async throws {
        let store = InMemoryMessageStore()
        let message = try await store.append(
            NewMessage(
                at: self.base,
                senderKey: "alice",
                senderName: "alice",
                audience: .direct(recipients: [RecipientEntry(key: "bob", name: "bob", state: .unread)]),
                text: "hi"
            )
        )
        #expect(try await store.unreadCount(for: "bob") == 1)
        #expect(try await store.unreadInbox(for: "bob") == [message])
        try await store.markRead(for: "bob", ids: [message.id])
        #expect(try await store.unreadCount(for: "bob") == 0)
    }

    @Test func historyNeedsPresenceForRoomLines() async throws {
        let store = InMemoryMessageStore()
        let room = NewMessage(at: self.base, senderKey: "bob", senderName: "bob", audience: .room, text: "early")
        _ = try await store.append(room)
        let session = try await store.recordLogin(
            nameKey: "alice",
            displayName: "alice",
            identityKey: "alice",
            at: self.base.addingTimeInterval(1)
        )
        var later = room
        later.at = self.base.addingTimeInterval(2)
        later.text = "later"
        _ = try await store.append(later)
        try await store.recordLogout(session, at: self.base.addingTimeInterval(3))
        #expect(try await store.history(for: "alice", limit: 10).map(\.text) == ["later"])
    }

    @Test func duplicateIdentityIsRefused() async throws {
        let store = InMemoryMessageStore()
        let identity = StoredIdentity(key: "alice", displayName: "Alice", kind: .certificate, createdAt: self.base)
        try await store.createIdentity(identity)
        await #expect(throws: StoreError.alreadyExists) {
            try await store.createIdentity(identity)
        }
    }

    @Test func storeErrorsCompareByKindOnly() {
        #expect(StoreError.alreadyExists(identityKey: "alice") == .alreadyExists)
        #expect(StoreError.storageFailed("disk full") != .alreadyExists)
        #expect(StoreError.cannotOpen(path: "/x", reason: "nope").description.contains("/x"))
    }

    @Test(arguments: [0.0, 0.000_4, 0.000_5, 0.999_9, 1_800_000_000.123_456, -1.234_5])
    func millisecondsRoundTrip(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let rounded = date.roundedToStoreMilliseconds
        #expect(abs(rounded.timeIntervalSince(date)) <= 0.000_500_1)
        #expect(rounded.roundedToStoreMilliseconds == rounded)
        #expect(Date(millisecondsSince1970: rounded.millisecondsSince1970) == rounded)
    }
}
