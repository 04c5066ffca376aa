import ChatCore
import Foundation
import Logging
import PostgresTestSupport
import Testing

@testable import SecureChatStore

/// What only the PostgreSQL store has to show: its schema's versions, several servers on one database, the group
/// commit counted by PostgreSQL, and a database that goes away and comes back.
@Suite(TestPostgres.required)
struct PostgresMessageStoreTests {
    private func open(_ url: String) async throws -> PostgresMessageStore {
        try await PostgresMessageStore.connect(
            try PostgresStoreConfiguration(url: url, environment: [:]),
            logger: Logger(label: "test")
        )
    }

    @Test func aNewDatabaseIsMigratedOnceAndReopeningKeepsItsData() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withPostgresStore(url) { store in
            _ = try await store.say("hello", from: "alice", key: nil, at: t(1))
        }
        try await withPostgresStore(url) { store in
            let seen = try await store.hasBeenSeen(nameKey: "alice")
            #expect(!seen)
        }
        #expect(
            try TestPostgres.psql(url, "SELECT version FROM securechat_schema ORDER BY version")
                == (1...PostgresSchema.latest).map { "\($0)\n" }.joined()
        )
        #expect(try TestPostgres.psql(url, "SELECT text FROM messages") == "hello\n")
    }

    @Test func aNewerSchemaIsRefusedAndLeftAlone() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withPostgresStore(url) { _ in }
        try TestPostgres.psql(url, "INSERT INTO securechat_schema (version) VALUES (42)")
        await #expect {
            _ = try await self.open(url)
        } throws: { error in
            (error as? StoreError)?.detail.contains(
                "schema version 42, newer than this server's \(PostgresSchema.latest)"
            ) == true
        }
        #expect(
            try TestPostgres.psql(url, "SELECT count(*) FROM securechat_schema") == "\(PostgresSchema.latest + 1)\n"
        )
    }

    /// A database the first release made (version 1, with a message in an inbox) is upgraded in place: the message
    /// is still there, the foreign key is gone, and pruning removes the recipients with their messages itself.
    @Test func aVersionOneDatabaseIsUpgradedAndPruningStillRemovesRecipients() async throws {
        let url = try await TestPostgres.newDatabase()
        let versionOne = try #require(PostgresSchema.migrations.first { $0.version == 1 })
        try TestPostgres.psql(
            url,
            """
            CREATE TABLE securechat_schema (
                version integer PRIMARY KEY, name text NOT NULL DEFAULT '', applied_at timestamptz NOT NULL DEFAULT now()
            );
            \(versionOne.statements.joined(separator: ";\n"));
            INSERT INTO securechat_schema (version, name) VALUES (1, 'tables');
            INSERT INTO messages (id, at, sender_key, sender_name, sender_name_key, audience, text)
                VALUES (1, \(t(10).millisecondsSince1970), 'alice', 'alice', 'alice', 'direct', 'from version 1');
            INSERT INTO message_recipients (message_id, position, recipient_key, recipient_name, state)
                VALUES (1, 0, 'bob', 'bob', 'unread');
            """
        )
        try await withPostgresStore(url) { store in
            let inbox = try await store.unreadInbox(for: "bob")
            #expect(inbox.map(\.text) == ["from version 1"])
            let pruned = try await store.prune(olderThan: t(50))
            #expect(pruned == 1)
        }
        #expect(
            try TestPostgres.psql(url, "SELECT max(version) FROM securechat_schema") == "\(PostgresSchema.latest)\n"
        )
        #expect(
            try TestPostgres.psql(
                url,
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'message_recipients'::regclass"
            ) == "0\n"
        )
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM message_recipients") == "0\n")
    }

    @Test func aDatabaseWithTablesOfAnotherProgramIsRefusedAndLeftAlone() async throws {
        let url = try await TestPostgres.newDatabase()
        try TestPostgres.psql(url, "CREATE TABLE messages (id serial PRIMARY KEY, body text)")
        await #expect {
            _ = try await self.open(url)
        } throws: { error in
            (error as? StoreError)?.detail.contains("not a SecureChat database") == true
        }
        #expect(try TestPostgres.psql(url, "SELECT to_regclass('securechat_schema') IS NULL") == "t\n")
    }

    @Test func wrongCredentialsAndAMissingDatabaseSayWhich() async throws {
        let url = try await TestPostgres.newDatabase()
        var wrong = try #require(URLComponents(string: url))
        wrong.password = "not-the-password"
        await #expect {
            _ = try await self.open(try #require(wrong.string))
        } throws: { error in
            let detail = (error as? StoreError)?.detail ?? ""
            return detail.contains("password authentication failed") && !detail.contains("not-the-password")
        }
        await #expect {
            _ = try await self.open(TestPostgres.replacingDatabase(of: url, with: "no_such_db"))
        } throws: { error in
            (error as? StoreError)?.detail.contains("has no database 'no_such_db'") == true
        }
        await #expect {
            _ = try await self.open("postgres://nobody:pw@127.0.0.1:1/chat")
        } throws: { error in
            (error as? StoreError)?.detail.contains("Connection refused") == true
        }
    }

    /// `read` until it returns what `expected` accepts, for up to two seconds (a notification's way between two
    /// stores); the last value read.
    private func eventually<T: Sendable>(
        _ read: () async throws -> T,
        _ expected: (T) -> Bool
    ) async throws -> T {
        var value = try await read()
        for _ in 0..<100 where !expected(value) {
            try await Task.sleep(for: .milliseconds(20))
            value = try await read()
        }
        return value
    }

    /// Two servers on one database: each sees the other's writes, although both cache identities and block lists
    /// (each forgets what any server announces it changed). A new identity is seen at once (absence is not cached);
    /// other changes as soon as PostgreSQL delivers the notification.
    @Test func twoStoresOnOneDatabaseSeeEachOthersWrites() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withPostgresStore(url) { first in
            try await withPostgresStore(url) { second in
                #expect(try await second.identity(forKey: "carl") == nil)
                #expect(try await second.blocks(of: "carl").isEmpty)
                let carl = StoredIdentity(key: "carl", displayName: "carl", kind: .password(hash: "h"), createdAt: t(1))
                try await first.createIdentity(carl)
                try await first.block(owner: "carl", target: "mallory", at: t(2))
                #expect(try await second.identity(forKey: "carl") == carl)
                #expect(try await eventually({ try await second.blocks(of: "carl") }, { !$0.isEmpty }) == ["mallory"])

                let claim = StoredIdentity(key: "carl", displayName: "Carl", kind: .certificate, createdAt: t(3))
                #expect(try await second.claimForCertificate(claim))
                let claimed = try await eventually(
                    { try await first.identity(forKey: "carl")?.kind },
                    { $0 == .certificate }
                )
                #expect(claimed == .certificate)
                await #expect(throws: StoreError.alreadyExists) { try await second.createIdentity(carl) }

                #expect(try await first.unblock(owner: "carl", target: "mallory"))
                #expect(try await eventually({ try await second.blocks(of: "carl") }, { $0.isEmpty }).isEmpty)
                // Both caches are in use: a second read of each comes from memory, and still agrees.
                #expect(try await second.blocks(of: "carl").isEmpty)
                #expect(try await first.identity(forKey: "carl")?.displayName == "Carl")
            }
        }
    }

    /// TLS to PostgreSQL as `sslmode` says: `verify-full` with the server's CA connects (encrypted), with another CA
    /// it is refused and says why; `require` encrypts without a CA.
    @Test func tlsToPostgreSQLIsVerifiedAsSslmodeSays() async throws {
        let cluster = try await TestPostgres.Cluster.start(tls: true)
        let encrypted = """
            SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE a.application_name = 'securechat-server' AND s.ssl
            """
        let verified = cluster.url + "?sslmode=verify-full&sslrootcert=\(cluster.caCertificate)"
        try await withPostgresStore(verified) { store in
            _ = try await store.say("over TLS", from: "alice", key: nil, at: t(1))
            #expect(try TestPostgres.psql(cluster.url, encrypted) != "0\n", "the store's connections are encrypted")
        }
        try await withPostgresStore(cluster.url + "?sslmode=require") { store in
            _ = try await store.say("encrypted, not verified", from: "alice", key: nil, at: t(2))
        }
        // Another CA: the server's certificate does not chain to it.
        let other = try await TestPostgres.Cluster.start(tls: true)
        await #expect {
            _ = try await self.open(cluster.url + "?sslmode=verify-full&sslrootcert=\(other.caCertificate)")
        } throws: { error in
            let detail = (error as? StoreError)?.detail ?? ""
            return detail.contains("sent a certificate that does not chain to \(other.caCertificate) and name the host")
        }
    }

    /// The cache is really used, and really forgotten on a notification: a change made behind the store's back
    /// (no `pg_notify`) is not seen until one comes.
    @Test func cachedLookupsAreUsedUntilAChangeIsAnnounced() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withPostgresStore(url) { store in
            let caching = try await eventually({ store._testOnly_isCaching }, { $0 })
            #expect(caching, "the listener connected")
            // Written by hand, so that no notification of this store's own is still on its way.
            try TestPostgres.psql(
                url,
                "INSERT INTO identities VALUES ('carl', 'carl', 'password', 'h', 1800000001000)"
            )
            #expect(try await store.identity(forKey: "carl")?.displayName == "carl")
            try TestPostgres.psql(url, "UPDATE identities SET display_name = 'Zed' WHERE key = 'carl'")
            #expect(try await store.identity(forKey: "carl")?.displayName == "carl", "served from the cache")
            try TestPostgres.psql(url, "SELECT pg_notify('securechat_lookups', 'carl')")
            let renamed = try await eventually(
                { try await store.identity(forKey: "carl")?.displayName },
                { $0 == "Zed" }
            )
            #expect(renamed == "Zed", "forgotten on the notification")
        }
    }

    /// Appends that arrive together share a transaction: the rows of the notes carry fewer distinct transaction
    /// ids (`xmin`) than there were appends.
    @Test func concurrentAppendsShareCommits() async throws {
        let url = try await TestPostgres.newDatabase()
        try await withPostgresStore(url) { store in
            let appends = 200
            let ids = try await withThrowingTaskGroup(of: MessageID.self) { group in
                for index in 0..<appends {
                    group.addTask {
                        try await store.send(
                            "note \(index)",
                            from: "alice",
                            key: nil,
                            to: [RecipientEntry(key: "bob", name: "bob", state: .unread)],
                            at: t(Double(index))
                        ).id
                    }
                }
                return try await group.reduce(into: [MessageID]()) { $0.append($1) }
            }
            #expect(Set(ids).count == appends)
            #expect(try await store.unreadCount(for: "bob") == appends)
            let transactions = try TestPostgres.psql(url, "SELECT count(DISTINCT xmin::text) FROM messages")
            let count = Int(transactions.trimmingCharacters(in: .whitespacesAndNewlines)) ?? appends
            #expect(count >= 1 && count < appends / 2, "\(count) transactions for \(appends) appends")
        }
    }

    /// PostgreSQL stops: every call fails with `storageFailed` within the store's timeout, none hangs; once it is
    /// back the same store works again without being reopened.
    @Test func aDatabaseThatGoesAwayFailsCallsQuicklyAndIsUsedAgainWhenBack() async throws {
        let cluster = try await TestPostgres.Cluster.start()
        try await withPostgresStore(cluster.url) { store in
            _ = try await store.say("before", from: "alice", key: nil, at: t(1))
            try await cluster.pause()
            let started = ContinuousClock.now
            await #expect(throws: StoreError.storageFailed) {
                _ = try await store.say("during", from: "alice", key: nil, at: t(2))
            }
            await #expect(throws: StoreError.storageFailed) {
                _ = try await store.identity(forKey: "alice")
            }
            #expect(ContinuousClock.now - started < .seconds(15), "each call gives up within the store's timeout")

            try await cluster.resume()
            var stored: StoredMessage?
            for _ in 0..<60 where stored == nil {
                stored = try? await store.say("after", from: "alice", key: nil, at: t(3))
                if stored == nil { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(stored != nil, "the store reconnected by itself")
            let texts = try TestPostgres.psql(cluster.url, "SELECT text FROM messages ORDER BY id")
            #expect(texts.split(separator: "\n").contains("before"))
            #expect(texts.split(separator: "\n").contains("after"))
        }
    }
}
