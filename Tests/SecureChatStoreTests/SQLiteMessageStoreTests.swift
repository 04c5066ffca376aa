import ChatCore
import Foundation
import GRDB
import Testing

@testable import SecureChatStore

@Suite("SQLiteMessageStore")
struct SQLiteMessageStoreTests {
    @Test func everythingSurvivesCloseAndReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            let alice = StoredIdentity(key: "alice", displayName: "Alice", kind: .certificate, createdAt: t(0))
            let bob = StoredIdentity(key: "bob", displayName: "bob", kind: .password(hash: "$hash$"), createdAt: t(1))

            let first = try SQLiteMessageStore(path: path)
            try await first.createIdentity(alice)
            try await first.createIdentity(bob)
            _ = try await first.recordLogin(nameKey: "alice", displayName: "Alice", identityKey: "alice", at: t(10))
            let line = try await first.say("hello", from: "Alice", key: "alice", at: t(11))
            let queued = try await first.send(
                "see you",
                from: "Alice",
                key: "alice",
                to: [RecipientEntry(key: "bob", name: "bob", state: .unread)],
                at: t(12)
            )
            try await first.block(owner: "bob", target: "mallory", at: t(13))
            try await first.heartbeat(at: t(20))
            try await first.close()

            let second = try SQLiteMessageStore(path: path)
            #expect(try await second.identity(forKey: "alice") == alice)
            #expect(try await second.identity(forKey: "bob") == bob)
            #expect(try await second.unreadInbox(for: "bob") == [queued])
            #expect(try await second.history(for: "alice", limit: 10) == [line, queued])
            #expect(try await second.blocks(of: "bob") == ["mallory"])
            // alice's interval was left open, as after a crash: it ends at the last heartbeat.
            #expect(try await second.closeDanglingPresence(at: t(100)) == 1)
            #expect(
                try await second.recentlySeen(since: t(0))
                    == [SeenUser(nameKey: "alice", displayName: "Alice", lastSeen: t(20), isOpen: false)]
            )
            let next = try await second.say("again", from: "Alice", key: "alice", at: t(30))
            #expect(next.id > queued.id)
            try await second.close()
        }
    }

    @Test func openingTwiceMigratesOnce() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            for round in 0..<3 {
                let store = try SQLiteMessageStore(path: path)
                _ = try await store.say("round \(round)", from: "alice", key: "alice", at: t(Double(round)))
                try await store.close()
            }
            let store = try SQLiteMessageStore(path: path)
            #expect(try await store.history(for: "alice", limit: 10).map(\.text) == ["round 0", "round 1", "round 2"])
            try await store.close()
        }
    }

    @Test func createsMissingParentDirectories() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("a/b/chat.sqlite").path
            let store = try SQLiteMessageStore(path: path)
            try await store.close()
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    /// The database holds password hashes and private messages: a new one, its WAL and shared-memory files, and a
    /// directory made for it are the server's user's alone, under a umask that would let everyone read them.
    @Test func aNewDatabaseIsReadableByItsOwnerOnly() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("data/chat.sqlite").path
            let previous = umask(0o022)
            defer { umask(previous) }
            let store = try SQLiteMessageStore(path: path)
            _ = try await store.say("hello", from: "alice", key: "alice", at: t(1))
            func mode(_ path: String) throws -> Int {
                try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            }
            #expect(try mode(path) == 0o600)
            #expect(try mode(path + "-wal") == 0o600)
            #expect(try mode(path + "-shm") == 0o600)
            #expect(try mode(directory.appendingPathComponent("data").path) == 0o700)
            try await store.close()
        }
    }

    /// A file that is there already keeps its mode (the operator's choice).
    @Test func anExistingDatabaseKeepsItsMode() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            try await SQLiteMessageStore(path: path).close()
            #expect(chmod(path, 0o640) == 0)
            let store = try SQLiteMessageStore(path: path)
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
            try await store.close()
        }
    }

    @Test func isDurableInWALMode() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: directory.appendingPathComponent("chat.sqlite").path)
            let settings = try await store._testOnly_durabilitySettings()
            #expect(settings.synchronous == 2)  // FULL
            #expect(settings.journalMode == "wal")
            try await store.close()
        }
    }

    @Test func aFileThatIsNotADatabaseGivesAClearError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("notes.txt").path
            try Data(String(repeating: "this is not a database\n", count: 100).utf8).write(
                to: URL(fileURLWithPath: path)
            )
            let error = #expect(throws: StoreError.cannotOpen) {
                _ = try SQLiteMessageStore(path: path)
            }
            #expect(error?.detail.contains(path) == true)
            #expect(error?.detail.contains("not a database") == true)
        }
    }

    @Test func aDirectoryInPlaceOfTheFileGivesAClearError() async throws {
        try await withTemporaryDirectory { directory in
            let error = #expect(throws: StoreError.cannotOpen) {
                _ = try SQLiteMessageStore(path: directory.path)
            }
            #expect(error?.detail.contains(directory.path) == true)
        }
    }

    /// Appends bind their values through SQLite's C interface: every value comes back exactly (NULL keys, non-ASCII
    /// names and text, an empty text, recipients in order), and the sender's lower-cased name is what blocks match.
    @Test func appendedValuesComeBackExactly() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            let store = try SQLiteMessageStore(path: path)
            let recipients = [
                RecipientEntry(key: "bob", name: "Bob", state: .unread),
                RecipientEntry(key: nil, name: "carol", state: .delivered),
                RecipientEntry(key: "dave", name: "dave", state: .unread),
            ]
            let text = "héllo 👋🏽 e\u{301} \"quoted\" 'single' ; DROP TABLE message; --"
            let direct = try await store.send(text, from: "Ärger", key: nil, to: recipients, at: t(5))
            let empty = try await store.say("", from: "Bob", key: "bob", at: t(6))
            try await store.close()

            let reopened = try SQLiteMessageStore(path: path)
            #expect(try await reopened.unreadInbox(for: "bob") == [direct])
            #expect(try await reopened.unreadInbox(for: "dave") == [direct])
            let stored = try #require(try await reopened.unreadInbox(for: "bob").first)
            #expect(stored.text == text)
            #expect(stored.senderName == "Ärger")
            #expect(stored.senderKey == nil)
            #expect(stored.audience == .direct(recipients: recipients))
            #expect(try await reopened.history(for: "bob", limit: 10) == [direct, empty])
            #expect(empty.text == "")
            try await reopened.block(owner: "dave", target: "ärger", at: t(0))
            #expect(try await reopened.unreadInbox(for: "dave") == [])
            #expect(try await reopened.unreadInbox(for: "bob") == [direct])
            try await reopened.close()
        }
    }

    /// A database made before blocks had a time keeps its blocks, and they go on hiding everything from the blocked
    /// sender, as they did; a block made after the migration hides only what follows it.
    @Test func blocksFromBeforeTheMigrationKeepHidingEverything() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            let old = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(old, upTo: "v1")
            try await old.write { db in
                try db.execute(sql: "INSERT INTO block (owner_key, target_key) VALUES ('alice', 'bob')")
            }
            try old.close()

            let store = try SQLiteMessageStore(path: path)
            let toAlice = [RecipientEntry(key: "alice", name: "alice", state: .unread)]
            _ = try await store.send("from bob", from: "bob", key: "bob", to: toAlice, at: t(1))
            let fromCarol = try await store.send("from carol", from: "carol", key: "carol", to: toAlice, at: t(2))
            try await store.block(owner: "alice", target: "carol", at: t(3))
            #expect(try await store.blocks(of: "alice") == ["bob", "carol"])
            #expect(try await store.unreadInbox(for: "alice") == [fromCarol])
            #expect(try await store.history(for: "alice", limit: 10) == [fromCarol])
            try await store.close()
        }
    }

    /// An insert that fails in the middle of a group (here a trigger refuses one message) fails the whole group and
    /// stores none of it; the next group, on the same cached statements, is stored.
    @Test func aFailedInsertFailsItsGroupAndTheNextGroupIsStored() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: directory.appendingPathComponent("chat.sqlite").path)
            try await store.pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TEMP TRIGGER refuse BEFORE INSERT ON message WHEN NEW.text = 'poison'
                        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                        """
                )
            }
            let bob = RecipientEntry(key: "bob", name: "bob", state: .unread)
            func message(_ text: String) -> NewMessage {
                NewMessage(
                    at: t(1),
                    senderKey: "alice",
                    senderName: "alice",
                    audience: .direct(recipients: [bob]),
                    text: text
                )
            }
            await #expect(throws: StoreError.self) {
                try await store.append(contentsOf: [message("one"), message("poison"), message("three")])
            }
            let stored = try await store.append(contentsOf: [message("four"), message("five")])
            #expect(stored.map(\.text) == ["four", "five"])
            #expect(try await store.unreadInbox(for: "bob").map(\.text) == ["four", "five"])
            try await store.close()
        }
    }

    /// Batches appended concurrently are never interleaved: each lands in one group, in order, with consecutive ids.
    @Test func concurrentBatchesStayWholeAndInOrder() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: directory.appendingPathComponent("chat.sqlite").path)
            let batches = try await withThrowingTaskGroup(of: [StoredMessage].self) { group in
                for batch in 0..<100 {
                    group.addTask {
                        let recipient = RecipientEntry(key: "user\(batch % 7)", name: "user", state: .unread)
                        let messages = (0..<(1 + batch % 9)).map { index in
                            NewMessage(
                                at: t(1),
                                senderKey: "sender\(batch)",
                                senderName: "sender",
                                audience: .direct(recipients: [recipient]),
                                text: "\(batch).\(index)"
                            )
                        }
                        return try await store.append(contentsOf: messages)
                    }
                }
                return try await group.reduce(into: [[StoredMessage]]()) { $0.append($1) }
            }
            #expect(batches.count == 100)
            for batch in batches {
                let ids = batch.map(\.id.rawValue)
                #expect(ids == Array(ids[0]..<ids[0] + Int64(ids.count)), "ids \(ids)")
                #expect(batch.map(\.text) == batch.indices.map { "\(batch[0].text.split(separator: ".")[0]).\($0)" })
            }
            try await store.close()
        }
    }

    @Test func concurrentAppendsAreAllDurableAfterReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("chat.sqlite").path
            let count = 2_000
            let store = try SQLiteMessageStore(path: path)
            let ids = try await withThrowingTaskGroup(of: MessageID.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let recipient = RecipientEntry(
                            key: "user\(index % 10)",
                            name: "user\(index % 10)",
                            state: .unread
                        )
                        return try await store.send(
                            "message \(index)",
                            from: "sender",
                            key: "sender",
                            to: [recipient],
                            at: t(Double(index))
                        ).id
                    }
                }
                return try await group.reduce(into: Set<MessageID>()) { $0.insert($1) }
            }
            #expect(ids.count == count)
            try await store.close()

            let reopened = try SQLiteMessageStore(path: path)
            var total = 0
            for user in 0..<10 {
                let inbox = try await reopened.unreadInbox(for: "user\(user)")
                #expect(inbox.count == count / 10)
                #expect(inbox.allSatisfy { ids.contains($0.id) })
                total += inbox.count
            }
            #expect(total == count)
            #expect(try await reopened.history(for: "sender", limit: 500).count == 500)
            try await reopened.close()
        }
    }
}
