import ChatCore
import Foundation
import GRDB
import Testing

@testable import SecureChatStore

/// Sealed messages are kept apart from `send`s (so `INBOX` and `HISTORY` say so), and each certificate user's latest
/// certificate is kept for others to seal to.
@Suite("MessageStore sealed messages and certificates")
struct SealedStoreTests {
    @Test(arguments: StoreKind.allCases)
    func aSealedMessageStaysSealedThroughInboxReadAndHistory(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let bob = [RecipientEntry(key: "bob", name: "bob", state: .unread)]
            let sealed = try await store.append(
                NewMessage(
                    at: t(1),
                    senderKey: "alice",
                    senderName: "alice",
                    audience: .sealed(recipients: bob),
                    text: "MIIBsealed"
                )
            )
            let plain = try await store.send("plain", from: "alice", key: "alice", to: bob, at: t(2))
            let inbox = try await store.unreadInbox(for: "bob")
            #expect(inbox == [sealed, plain])
            #expect(inbox.map(\.isSealed) == [true, false])
            #expect(inbox.map(\.inboxKind) == [.sealed, .private])

            try await store.markRead(for: "bob", ids: [sealed.id])
            #expect(try await store.unreadInbox(for: "bob") == [plain])
            let history = try await store.history(for: "alice", limit: 10)
            #expect(history.map(\.isSealed) == [true, false])
            #expect(
                history.first?.audience == .sealed(recipients: [RecipientEntry(key: "bob", name: "bob", state: .read)])
            )
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theLatestCertificateOfAUserIsKept(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.certificate(forKey: "alice") == nil)
            try await store.recordCertificate([0x30, 0x01, 0x00], forKey: "alice", at: t(1))
            try await store.recordCertificate([0x30, 0x01, 0x00], forKey: "alice", at: t(2))
            #expect(try await store.certificate(forKey: "alice") == [0x30, 0x01, 0x00])
            try await store.recordCertificate([0x30, 0x01, 0x01], forKey: "alice", at: t(3))
            #expect(try await store.certificate(forKey: "alice") == [0x30, 0x01, 0x01])
            #expect(try await store.certificate(forKey: "bob") == nil)
        }
    }

    /// A database made before sealed messages opens, keeps its messages as they were, and stores sealed ones.
    @Test func aVersion4DatabaseIsMigrated() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            let old = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(old, upTo: "v4-login-attempts")
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
            _ = try await store.append(
                NewMessage(
                    at: t(1),
                    senderKey: "alice",
                    senderName: "alice",
                    audience: .sealed(recipients: bob),
                    text: "MIIB"
                )
            )
            #expect(try await store.unreadInbox(for: "bob").map(\.isSealed) == [false, true])
            try await store.recordCertificate([0x30, 0x00], forKey: "alice", at: t(2))
            #expect(try await store.certificate(forKey: "alice") == [0x30, 0x00])
            try await store.close()
        }
    }
}
