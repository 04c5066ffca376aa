import ChatCore
import Foundation
import Testing

/// One behaviour suite, run against every ``StoreKind``, so the in-memory fake and SQLite agree.
@Suite("MessageStore behaviour")
struct MessageStoreBehaviourTests {
    // MARK: Identities

    @Test(arguments: StoreKind.allCases)
    func identitiesAreStoredAndFound(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let alice = StoredIdentity(key: "alice", displayName: "Alice", kind: .certificate, createdAt: t(1))
            let bob = StoredIdentity(
                key: "bob",
                displayName: "bob",
                kind: .password(hash: "$scrypt$abc"),
                createdAt: t(2)
            )
            try await store.createIdentity(alice)
            try await store.createIdentity(bob)

            #expect(try await store.identity(forKey: "alice") == alice)
            #expect(try await store.identity(forKey: "bob") == bob)
            #expect(try await store.identity(forKey: "carol") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateIdentityThrowsAlreadyExists(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let first = StoredIdentity(key: "alice", displayName: "Alice", kind: .certificate, createdAt: t(1))
            try await store.createIdentity(first)
            let second = StoredIdentity(key: "alice", displayName: "ALICE", kind: .password(hash: "h"), createdAt: t(2))
            await #expect(throws: StoreError.alreadyExists) {
                try await store.createIdentity(second)
            }
            #expect(try await store.identity(forKey: "alice") == first)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aCertificateClaimCreatesOrConvertsAPasswordIdentityOnce(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let dora = StoredIdentity(key: "dora", displayName: "Dora", kind: .certificate, createdAt: t(1))
            #expect(try await store.claimForCertificate(dora))
            #expect(try await store.identity(forKey: "dora") == dora)
            #expect(try await store.claimForCertificate(dora) == false)

            let carl = StoredIdentity(key: "carl", displayName: "Carl", kind: .password(hash: "h"), createdAt: t(2))
            try await store.createIdentity(carl)
            _ = try await store.identity(forKey: "carl")  // cached as a password identity
            let claim = StoredIdentity(key: "carl", displayName: "CARL", kind: .certificate, createdAt: t(3))
            #expect(try await store.claimForCertificate(claim))
            // The creation time stays, the password is gone, and the CN's spelling is the identity's from now on.
            let claimed = StoredIdentity(key: "carl", displayName: "CARL", kind: .certificate, createdAt: t(2))
            #expect(try await store.identity(forKey: "carl") == claimed)
            #expect(try await store.claimForCertificate(claim) == false)
        }
    }

    // MARK: Inbox

    @Test(arguments: StoreKind.allCases)
    func inboxListsUnreadDirectMessagesOldestFirst(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let bobUnread = RecipientEntry(key: "bob", name: "bob", state: .unread)
            let carolDelivered = RecipientEntry(key: "carol", name: "carol", state: .delivered)
            let later = try await store.send("second", from: "alice", key: "alice", to: [bobUnread], at: t(20))
            let earlier = try await store.send(
                "first",
                from: "alice",
                key: "alice",
                to: [bobUnread, carolDelivered],
                at: t(10)
            )
            _ = try await store.say("room line", from: "alice", key: "alice", at: t(15))

            #expect(try await store.unreadInbox(for: "bob") == [earlier, later])
            #expect(try await store.unreadCount(for: "bob") == 2)
            #expect(try await store.unreadInbox(for: "carol") == [])
            #expect(try await store.unreadCount(for: "carol") == 0)
            #expect(earlier.audience == .direct(recipients: [bobUnread, carolDelivered]))
        }
    }

    /// Several messages appended at once (a connection's pipelined `send`s) keep their order, even with one timestamp.
    @Test(arguments: StoreKind.allCases)
    func appendingSeveralAtOnceKeepsTheirOrder(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let bob = RecipientEntry(key: "bob", name: "bob", state: .unread)
            let texts = (1...5).map { "message \($0)" }
            let messages = texts.map {
                NewMessage(
                    at: t(10),
                    senderKey: "alice",
                    senderName: "alice",
                    audience: .direct(recipients: [bob]),
                    text: $0
                )
            }
            let stored = try await store.append(contentsOf: messages)
            #expect(stored.map(\.text) == texts)
            #expect(stored.map(\.id) == stored.map(\.id).sorted())
            #expect(Set(stored.map(\.id)).count == texts.count)
            #expect(try await store.unreadInbox(for: "bob").map(\.text) == texts)
            #expect(try await store.append(contentsOf: []).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func markReadRemovesMessagesFromTheInboxOfThatRecipientOnly(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let both = [
                RecipientEntry(key: "bob", name: "bob", state: .unread),
                RecipientEntry(key: "carol", name: "carol", state: .unread),
            ]
            let first = try await store.send("one", from: "alice", key: "alice", to: both, at: t(1))
            let second = try await store.send("two", from: "alice", key: "alice", to: both, at: t(2))

            try await store.markRead(for: "bob", ids: [first.id, MessageID(rawValue: 9_999)])
            let bobInbox = try await store.unreadInbox(for: "bob")
            #expect(bobInbox.map(\.id) == [second.id])
            #expect(try await store.unreadCount(for: "bob") == 1)
            #expect(try await store.unreadCount(for: "carol") == 2)

            try await store.markRead(for: "bob", ids: [second.id])
            try await store.markRead(for: "bob", ids: [])
            #expect(try await store.unreadInbox(for: "bob") == [])
            // The read state shows in carol's copy of the message.
            let carolInbox = try await store.unreadInbox(for: "carol")
            #expect(
                carolInbox.first?.audience
                    == .direct(recipients: [
                        RecipientEntry(key: "bob", name: "bob", state: .read),
                        RecipientEntry(key: "carol", name: "carol", state: .unread),
                    ])
            )
        }
    }

    @Test(arguments: StoreKind.allCases)
    func inboxHidesMessagesFromBlockedSenders(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let toBob = [RecipientEntry(key: "bob", name: "bob", state: .unread)]
            _ = try await store.send("from alice", from: "Alice", key: "alice", to: toBob, at: t(1))
            let fromGuest = try await store.send("from guest", from: "Mallory", key: nil, to: toBob, at: t(2))

            try await store.block(owner: "bob", target: "alice", at: t(0))
            #expect(try await store.unreadInbox(for: "bob") == [fromGuest])
            #expect(try await store.unreadCount(for: "bob") == 1)

            try await store.block(owner: "bob", target: "mallory", at: t(0))
            #expect(try await store.unreadInbox(for: "bob") == [])
            #expect(try await store.unreadCount(for: "bob") == 0)

            #expect(try await store.unblock(owner: "bob", target: "alice"))
            #expect(try await store.unreadInbox(for: "bob").map(\.text) == ["from alice"])
        }
    }

    // MARK: History

    @Test(arguments: StoreKind.allCases)
    func historyHasSentReceivedAndRoomLinesWhileOnline(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let beforeLogin = try await store.say("before", from: "bob", key: "bob", at: t(5))
            let session = try await store.recordLogin(
                nameKey: "alice",
                displayName: "alice",
                identityKey: "alice",
                at: t(10)
            )
            let whileOnline = try await store.say("during", from: "bob", key: "bob", at: t(15))
            let atLogout = try await store.say("at logout", from: "bob", key: "bob", at: t(20))
            try await store.recordLogout(session, at: t(20))
            let afterLogout = try await store.say("after", from: "bob", key: "bob", at: t(25))
            let broadcastOffline = try await store.append(
                NewMessage(at: t(26), senderKey: "bob", senderName: "bob", audience: .everyone, text: "all")
            )
            let sentOffline = try await store.send(
                "queued",
                from: "alice",
                key: "alice",
                to: [RecipientEntry(key: "carol", name: "carol", state: .unread)],
                at: t(30)
            )
            let received = try await store.send(
                "for alice",
                from: "carol",
                key: "carol",
                to: [RecipientEntry(key: "alice", name: "alice", state: .unread)],
                at: t(31)
            )
            let notForAlice = try await store.send(
                "for dave",
                from: "carol",
                key: "carol",
                to: [RecipientEntry(key: "dave", name: "dave", state: .unread)],
                at: t(32)
            )
            let ownRoomLine = try await store.say("mine", from: "alice", key: "alice", at: t(33))

            let history = try await store.history(for: "alice", limit: 100)
            #expect(history == [whileOnline, atLogout, sentOffline, received, ownRoomLine])
            #expect(!history.contains(beforeLogin))
            #expect(!history.contains(afterLogout))
            #expect(!history.contains(broadcastOffline))
            #expect(!history.contains(notForAlice))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func historyIncludesBroadcastsWhileOnlineAndStaysOpenWhileLoggedIn(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.recordLogin(nameKey: "alice", displayName: "alice", identityKey: "alice", at: t(10))
            let broadcast = try await store.append(
                NewMessage(at: t(11), senderKey: "bob", senderName: "bob", audience: .everyone, text: "hi all")
            )
            let line = try await store.say("still here", from: "bob", key: "bob", at: t(1_000))
            #expect(try await store.history(for: "alice", limit: 20) == [broadcast, line])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func historyReturnsTheNewestLimitOldestFirst(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var sent: [StoredMessage] = []
            for index in 0..<10 {
                sent.append(
                    try await store.say("line \(index)", from: "alice", key: "alice", at: t(Double(100 - index)))
                )
            }
            let newestThree = try await store.history(for: "alice", limit: 3)
            #expect(newestThree.map(\.text) == ["line 2", "line 1", "line 0"])
            #expect(try await store.history(for: "alice", limit: 0) == [])
            #expect(try await store.history(for: "alice", limit: 50).count == 10)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func historyLeavesOutBlockedSenders(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.recordLogin(nameKey: "alice", displayName: "alice", identityKey: "alice", at: t(0))
            _ = try await store.say("from bob", from: "Bob", key: "bob", at: t(1))
            _ = try await store.send(
                "private from bob",
                from: "Bob",
                key: "bob",
                to: [RecipientEntry(key: "alice", name: "alice", state: .delivered)],
                at: t(2)
            )
            let fromCarol = try await store.say("from carol", from: "carol", key: "carol", at: t(3))
            try await store.block(owner: "alice", target: "bob", at: t(0))
            #expect(try await store.history(for: "alice", limit: 20) == [fromCarol])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func guestsMessagesNeverBelongToALaterIdentityWithTheSameName(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let guestSession = try await store.recordLogin(
                nameKey: "dave",
                displayName: "Dave",
                identityKey: nil,
                at: t(0)
            )
            _ = try await store.say("guest line", from: "Dave", key: nil, at: t(1))
            _ = try await store.send(
                "to a guest",
                from: "alice",
                key: "alice",
                to: [RecipientEntry(key: nil, name: "Dave", state: .delivered)],
                at: t(2)
            )
            _ = try await store.say("while guest online", from: "alice", key: "alice", at: t(3))
            try await store.recordLogout(guestSession, at: t(4))

            let identitySession = try await store.recordLogin(
                nameKey: "dave",
                displayName: "dave",
                identityKey: "dave",
                at: t(10)
            )
            let own = try await store.say("identity line", from: "dave", key: "dave", at: t(11))
            try await store.recordLogout(identitySession, at: t(12))

            #expect(try await store.history(for: "dave", limit: 20) == [own])
            #expect(try await store.unreadCount(for: "dave") == 0)
            #expect(try await store.hasBeenSeen(nameKey: "dave"))
        }
    }

    // MARK: Presence

    @Test(arguments: StoreKind.allCases)
    func recentlySeenListsIntervalsOverlappingTheWindow(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let old = try await store.recordLogin(nameKey: "old", displayName: "old", identityKey: nil, at: t(0))
            try await store.recordLogout(old, at: t(50))
            let bob1 = try await store.recordLogin(nameKey: "bob", displayName: "bob", identityKey: "bob", at: t(60))
            try await store.recordLogout(bob1, at: t(120))
            let bob2 = try await store.recordLogin(nameKey: "bob", displayName: "Bob", identityKey: "bob", at: t(130))
            try await store.recordLogout(bob2, at: t(150))
            let guest = try await store.recordLogin(nameKey: "gus", displayName: "Gus", identityKey: nil, at: t(90))
            try await store.recordLogout(guest, at: t(140))
            _ = try await store.recordLogin(nameKey: "carol", displayName: "carol", identityKey: "carol", at: t(95))
            let edge = try await store.recordLogin(nameKey: "edge", displayName: "edge", identityKey: nil, at: t(10))
            try await store.recordLogout(edge, at: t(100))

            let seen = try await store.recentlySeen(since: t(100))
            #expect(
                seen == [
                    SeenUser(nameKey: "bob", displayName: "Bob", lastSeen: t(150), isOpen: false),
                    SeenUser(nameKey: "gus", displayName: "Gus", lastSeen: t(140), isOpen: false),
                    SeenUser(nameKey: "edge", displayName: "edge", lastSeen: t(100), isOpen: false),
                    SeenUser(nameKey: "carol", displayName: "carol", lastSeen: t(95), isOpen: true),
                ]
            )
        }
    }

    @Test(arguments: StoreKind.allCases)
    func hasBeenSeenCoversGuestsAndIdentities(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.recordLogin(nameKey: "guest", displayName: "Guest", identityKey: nil, at: t(0))
            _ = try await store.recordLogin(nameKey: "alice", displayName: "alice", identityKey: "alice", at: t(0))
            #expect(try await store.hasBeenSeen(nameKey: "guest"))
            #expect(try await store.hasBeenSeen(nameKey: "alice"))
            #expect(try await !store.hasBeenSeen(nameKey: "nobody"))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func logoutNeverEndsBeforeTheStartAndOnlyOnce(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let session = try await store.recordLogin(nameKey: "bob", displayName: "bob", identityKey: nil, at: t(100))
            try await store.recordLogout(session, at: t(50))
            try await store.recordLogout(session, at: t(500))
            try await store.recordLogout(PresenceID(rawValue: 12_345), at: t(500))
            #expect(
                try await store.recentlySeen(since: t(0))
                    == [SeenUser(nameKey: "bob", displayName: "bob", lastSeen: t(100), isOpen: false)]
            )
        }
    }

    @Test(arguments: StoreKind.allCases)
    func danglingPresenceEndsAtTheLastHeartbeat(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.recordLogin(nameKey: "early", displayName: "early", identityKey: nil, at: t(10))
            try await store.heartbeat(at: t(30))
            _ = try await store.recordLogin(nameKey: "late", displayName: "late", identityKey: nil, at: t(40))
            try await store.heartbeat(at: t(60))
            _ = try await store.recordLogin(nameKey: "last", displayName: "last", identityKey: nil, at: t(70))
            let done = try await store.recordLogin(nameKey: "done", displayName: "done", identityKey: nil, at: t(20))
            try await store.recordLogout(done, at: t(25))

            #expect(try await store.closeDanglingPresence(at: t(1_000)) == 3)
            #expect(try await store.closeDanglingPresence(at: t(1_000)) == 0)
            let seen = try await store.recentlySeen(since: t(0))
            #expect(
                seen == [
                    SeenUser(nameKey: "last", displayName: "last", lastSeen: t(70), isOpen: false),
                    SeenUser(nameKey: "early", displayName: "early", lastSeen: t(60), isOpen: false),
                    SeenUser(nameKey: "late", displayName: "late", lastSeen: t(60), isOpen: false),
                    SeenUser(nameKey: "done", displayName: "done", lastSeen: t(25), isOpen: false),
                ]
            )
        }
    }

    @Test(arguments: StoreKind.allCases)
    func danglingPresenceWithoutHeartbeatEndsAtItsStart(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.recordLogin(nameKey: "bob", displayName: "bob", identityKey: nil, at: t(10))
            #expect(try await store.closeDanglingPresence(at: t(100)) == 1)
            #expect(
                try await store.recentlySeen(since: t(0))
                    == [SeenUser(nameKey: "bob", displayName: "bob", lastSeen: t(10), isOpen: false)]
            )
        }
    }

    // MARK: Blocks

    @Test(arguments: StoreKind.allCases)
    func blocksAreAddedOnceAndRemoved(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.blocks(of: "alice") == [])
            try await store.block(owner: "alice", target: "bob", at: t(1))
            try await store.block(owner: "alice", target: "bob", at: t(2))
            try await store.block(owner: "alice", target: "carol", at: t(3))
            try await store.block(owner: "dave", target: "alice", at: t(4))
            #expect(try await store.blocks(of: "alice") == ["bob", "carol"])
            #expect(try await store.unblock(owner: "alice", target: "bob"))
            #expect(try await !store.unblock(owner: "alice", target: "bob"))
            #expect(try await store.blocks(of: "alice") == ["carol"])
            #expect(try await store.blocks(of: "dave") == ["alice"])
        }
    }

    /// PROTOCOL.md: "from now on nothing from that user reaches you". What the blocked user sent before stays in
    /// history and inbox; blocking again does not move the block's time, unblocking and blocking again does.
    @Test(arguments: StoreKind.allCases)
    func aBlockHidesOnlyWhatComesAfterIt(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.recordLogin(nameKey: "alice", displayName: "alice", identityKey: "alice", at: t(0))
            let toAlice = [RecipientEntry(key: "alice", name: "alice", state: .unread)]
            let earlierLine = try await store.say("before", from: "Bob", key: "bob", at: t(1))
            let earlierNote = try await store.send("note before", from: "Bob", key: "bob", to: toAlice, at: t(2))
            try await store.block(owner: "alice", target: "bob", at: t(5))
            _ = try await store.say("after", from: "Bob", key: "bob", at: t(6))
            _ = try await store.send("note after", from: "Bob", key: "bob", to: toAlice, at: t(7))
            let atTheBlock = try await store.say("same moment", from: "Bob", key: "bob", at: t(5))
            try await store.block(owner: "alice", target: "bob", at: t(10))

            #expect(try await store.history(for: "alice", limit: 20) == [earlierLine, earlierNote])
            #expect(try await store.unreadInbox(for: "alice") == [earlierNote])
            #expect(try await store.unreadCount(for: "alice") == 1)
            #expect(!(try await store.history(for: "alice", limit: 20).contains(atTheBlock)))

            #expect(try await store.unblock(owner: "alice", target: "bob"))
            try await store.block(owner: "alice", target: "bob", at: t(1))
            #expect(try await store.history(for: "alice", limit: 20) == [])
            #expect(try await store.unreadCount(for: "alice") == 0)
        }
    }

    // MARK: Retention

    @Test(arguments: StoreKind.allCases)
    func pruneDeletesOldMessagesAndEndedPresence(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let toBob = [RecipientEntry(key: "bob", name: "bob", state: .unread)]
            _ = try await store.send("old", from: "alice", key: "alice", to: toBob, at: t(10))
            _ = try await store.say("old room", from: "alice", key: "alice", at: t(20))
            let kept = try await store.send("new", from: "alice", key: "alice", to: toBob, at: t(100))
            let oldSession = try await store.recordLogin(
                nameKey: "gone",
                displayName: "gone",
                identityKey: nil,
                at: t(0)
            )
            try await store.recordLogout(oldSession, at: t(30))
            _ = try await store.recordLogin(nameKey: "stays", displayName: "stays", identityKey: nil, at: t(0))

            #expect(try await store.prune(olderThan: t(50)) == 2)
            #expect(try await store.unreadInbox(for: "bob") == [kept])
            #expect(try await store.history(for: "alice", limit: 10) == [kept])
            #expect(try await !store.hasBeenSeen(nameKey: "gone"))
            #expect(try await store.hasBeenSeen(nameKey: "stays"))
            #expect(try await store.prune(olderThan: t(50)) == 0)
        }
    }

    // MARK: Values and concurrency

    @Test(arguments: StoreKind.allCases)
    func timesAreKeptToTheMillisecond(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let time = Date(timeIntervalSince1970: 1_800_000_000.123_456_7)
            let stored = try await store.say("x", from: "alice", key: "alice", at: time)
            #expect(stored.at == time.roundedToStoreMilliseconds)
            #expect(stored.at.millisecondsSince1970 == 1_800_000_000_123)
            #expect(try await store.history(for: "alice", limit: 1) == [stored])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentAppendsAllLandWithDistinctIDs(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let stored = try await withThrowingTaskGroup(of: StoredMessage.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        try await store.send(
                            "message \(index)",
                            from: "alice",
                            key: "alice",
                            to: [RecipientEntry(key: "bob", name: "bob", state: .unread)],
                            at: t(Double(index))
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(stored.map(\.id)).count == 300)
            let inbox = try await store.unreadInbox(for: "bob")
            #expect(inbox.map(\.text) == (0..<300).map { "message \($0)" })
            #expect(Set(inbox) == Set(stored))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func callsAfterCloseFail(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.close()
            await #expect(throws: StoreError.storageFailed) {
                _ = try await store.say("late", from: "alice", key: "alice", at: t(1))
            }
            await #expect(throws: StoreError.storageFailed) {
                _ = try await store.blocks(of: "alice")
            }
        }
    }
}

/// Wrong passwords kept by the store (``LoginAttempts``): what one update writes, the next reads, atomically per name.
@Suite("MessageStore login attempts")
struct LoginAttemptsStoreTests {
    private static let limits = LoginGuard.Limits(failuresBeforeLock: 3, firstLock: 60)
    private static let now = 1_800_000_000.0

    @Test(arguments: StoreKind.allCases)
    func attemptsAreKeptPerNameAndSourceWithTheNamesBudget(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.loginAttempts(name: "dave", source: "a") == LoginAttempts())
            var locks: [Double?] = []
            for second in 0..<3 {
                locks.append(
                    try await store.updateLoginAttempts(name: "dave", source: "a") {
                        $0.recordFailure(limits: Self.limits, now: Self.now + Double(second))
                    }
                )
            }
            #expect(locks == [nil, nil, 60])
            let kept = try await store.loginAttempts(name: "dave", source: "a")
            #expect(kept.lockRemaining(now: Self.now + 2) == 60)
            #expect(kept.record?.locks == 1)
            // -infinity (never locked) and fractions survive a round trip.
            _ = try await store.updateLoginAttempts(name: "dave", source: "b") {
                $0.recordFailure(limits: Self.limits, now: Self.now + 0.125)
            }
            let other = try await store.loginAttempts(name: "dave", source: "b")
            #expect(other.record == LoginAttempts.Record(failures: 1, lastFailure: Self.now + 0.125))
            #expect(
                other.budget
                    == kept.budget.map { budget in
                        var budget = budget
                        _ = budget.bucket.take(now: Self.now + 0.125)
                        budget.lastFailure = Self.now + 0.125
                        return budget
                    }
            )
            // A right password forgets the pair, not the name's budget.
            try await store.updateLoginAttempts(name: "dave", source: "a") { $0.recordSuccess() }
            let forgotten = try await store.loginAttempts(name: "dave", source: "a")
            #expect(forgotten.record == nil)
            #expect(forgotten.budget != nil)
            #expect(try await store.loginAttempts(name: "erin", source: "a") == LoginAttempts())
        }
    }

    /// Updates of one name from many tasks at once: none is lost.
    @Test(arguments: StoreKind.allCases)
    func concurrentUpdatesOfOneNameLoseNothing(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let limits = LoginGuard.Limits(failuresBeforeLock: 1000, firstLock: 60, nameBurst: 1000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Eight: enough to interleave; the last waits for seven transactions on the same lock.
                for task in 0..<8 {
                    group.addTask {
                        _ = try await store.updateLoginAttempts(name: "dave", source: "a") {
                            $0.recordFailure(limits: limits, now: Self.now + Double(task))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.loginAttempts(name: "dave", source: "a").record?.failures == 8)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pruningForgetsAttemptsOlderThanItsDate(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.updateLoginAttempts(name: "dave", source: "a") {
                $0.recordFailure(limits: Self.limits, now: Self.now)
            }
            _ = try await store.prune(olderThan: Date(timeIntervalSince1970: Self.now - 1))
            #expect(try await store.loginAttempts(name: "dave", source: "a").record?.failures == 1)
            _ = try await store.prune(olderThan: Date(timeIntervalSince1970: Self.now + 1))
            #expect(try await store.loginAttempts(name: "dave", source: "a") == LoginAttempts())
        }
    }
}
