import ChatCore
import Foundation
import GRDB
import Testing

@testable import SecureChatStore

/// A broadcast to a list of users is kept apart from a `send`, so an `INBOX` line can say which it was.
@Suite("MessageStore list broadcasts")
struct ListBroadcastStoreTests {
    @Test(arguments: StoreKind.allCases)
    func aListBroadcastStaysAListBroadcastThroughInboxReadAndHistory(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let listed = try await store.append(
                NewMessage(
                    at: t(1),
                    senderKey: "alice",
                    senderName: "alice",
                    audience: .userList(recipients: [
                        RecipientEntry(key: "bob", name: "bob", state: .unread),
                        RecipientEntry(key: "carol", name: "carol", state: .delivered),
                    ]),
                    text: "to a list"
                )
            )
            let direct = try await store.send(
                "just you",
                from: "alice",
                key: "alice",
                to: [RecipientEntry(key: "bob", name: "bob", state: .unread)],
                at: t(2)
            )
            #expect(try await store.unreadInbox(for: "bob") == [listed, direct])
            #expect(try await store.unreadCount(for: "bob") == 2)

            try await store.markRead(for: "bob", ids: [listed.id])
            #expect(try await store.unreadInbox(for: "bob") == [direct])
            let history = try await store.history(for: "bob", limit: 10)
            #expect(history.map(\.text) == ["to a list", "just you"])
            #expect(
                history.first?.audience
                    == .userList(recipients: [
                        RecipientEntry(key: "bob", name: "bob", state: .read),
                        RecipientEntry(key: "carol", name: "carol", state: .delivered),
                    ])
            )
            #expect(history.last?.audience == direct.audience)
        }
    }

    /// A database made before list broadcasts were told apart opens, keeps its messages as `send`s, and stores new
    /// list broadcasts.
    @Test func aVersion1DatabaseIsMigrated() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            let old = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(old, upTo: "v1")
            try await old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO message (id, at, sender_key, sender_name, sender_name_key, audience, text)
                        VALUES (1, 1000, 'alice', 'alice', 'alice', 'direct', 'old');
                        INSERT INTO message_recipient (message_id, position, recipient_key, recipient_name, state)
                        VALUES (1, 0, 'bob', 'bob', 'unread');
                        """
                )
            }
            try old.close()

            let store = try SQLiteMessageStore(path: path)
            let bob = [RecipientEntry(key: "bob", name: "bob", state: .unread)]
            let listed = try await store.append(
                NewMessage(
                    at: t(1),
                    senderKey: "alice",
                    senderName: "alice",
                    audience: .userList(recipients: bob),
                    text: "new"
                )
            )
            let inbox = try await store.unreadInbox(for: "bob")
            #expect(inbox.map(\.text) == ["old", "new"])
            #expect(inbox.map(\.audience) == [.direct(recipients: bob), .userList(recipients: bob)])
            #expect(inbox.last == listed)
            try await store.close()
        }
    }
}
