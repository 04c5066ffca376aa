import Foundation
import Logging
import Testing

@testable import ChatCore

@Suite struct ChatServiceLoginTests {
    private let source = "10.0.0.2"

    // MARK: Name status

    @Test func aNameIsAvailableRegisteredOrACertificates() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora", password: "pw")
        try await fixture.certificate("Carl")
        #expect(await fixture.service.status(of: name("nobody"), from: source) == .available)
        #expect(await fixture.service.status(of: name("DORA"), from: source) == .registered(passwordHash: "hash:pw"))
        #expect(await fixture.service.status(of: name("carl"), from: source) == .reservedForCertificate)
    }

    @Test func aNameOnlineIsOnlineOrAnOnlineIdentity() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        _ = try await fixture.join("Gus", on: 1)
        _ = try await fixture.join("Dora", as: .registered, on: 2)
        #expect(await fixture.service.status(of: name("gus"), from: source) == .online)
        #expect(await fixture.service.status(of: name("dora"), from: source) == .onlineIdentity)
    }

    @Test func aLockedSourceSeesTheLockAndAnotherDoesNot() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        for _ in 0..<3 { _ = await fixture.service.recordWrongPassword(for: name("dora"), from: source) }
        #expect(await fixture.service.status(of: name("dora"), from: source) == .locked(secondsLeft: 60))
        #expect(
            await fixture.service.status(of: name("dora"), from: "10.0.0.9") == .registered(passwordHash: "hash:secret")
        )
    }

    // MARK: Passwords and lock-outs

    /// Lock-outs kept in a store that fails: the password is neither checked nor let in, and says so (the session
    /// answers with a server error), where a wrong password would have been blamed on the user.
    @Test func aPasswordIsNotCheckedWhenTheLockOutsCannotBeRead() async throws {
        let observed = ObservedStore()
        let service = ChatService(
            store: observed,
            directory: LocalPresenceDirectory(clock: ManualClock(), attempts: observed),
            sink: RecordingSink(),
            hasher: PrefixHasher(),
            clock: ManualClock(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let dora = name("dora")
        #expect(await service.checkPassword("secret", against: "hash:secret", for: dora, from: source) == .correct)
        observed.failLoginAttempts()
        #expect(await service.checkPassword("secret", against: "hash:secret", for: dora, from: source) == .unavailable)
        #expect(await service.checkPassword("wrong", against: "hash:secret", for: dora, from: source) == .unavailable)
    }

    @Test func threeWrongPasswordsFromOneSourceLockItUntilTheLockExpires() async throws {
        let fixture = ServiceFixture()
        let dora = name("dora")
        #expect(await fixture.service.recordWrongPassword(for: dora, from: source) == nil)
        #expect(await fixture.service.recordWrongPassword(for: dora, from: source) == nil)
        #expect(await fixture.service.recordWrongPassword(for: dora, from: source) == 60)
        #expect(
            await fixture.service.checkPassword("secret", against: "hash:secret", for: dora, from: source)
                == .locked(seconds: 60)
        )
        fixture.clock.advance(by: 59.5)
        #expect(
            await fixture.service.checkPassword("secret", against: "hash:secret", for: dora, from: source)
                == .locked(seconds: 1)
        )
        fixture.clock.advance(by: 0.5)
        #expect(await fixture.service.checkPassword("wrong", against: "hash:secret", for: dora, from: source) == .wrong)
    }

    @Test func eachFurtherLockOfTheSameSourceLastsTwiceAsLong() async throws {
        let fixture = ServiceFixture()
        let dora = name("dora")
        var locks: [Int?] = []
        for _ in 0..<2 {
            for _ in 0..<2 { _ = await fixture.service.recordWrongPassword(for: dora, from: source) }
            locks.append(await fixture.service.recordWrongPassword(for: dora, from: source))
            fixture.clock.advance(by: Double(locks.last.flatMap { $0 } ?? 0))
        }
        #expect(locks == [60, 120])
    }

    @Test func anotherSourceStillGetsIn() async throws {
        let fixture = ServiceFixture()
        let dora = name("dora")
        for _ in 0..<3 { _ = await fixture.service.recordWrongPassword(for: dora, from: source) }
        #expect(
            await fixture.service.checkPassword("secret", against: "hash:secret", for: dora, from: "10.0.0.9")
                == .correct
        )
        #expect(
            await fixture.service.checkPassword("secret", against: "hash:secret", for: dora, from: source)
                == .locked(seconds: 60)
        )
    }

    @Test func aRightPasswordForgetsTheWrongOnesOfItsSource() async throws {
        let fixture = ServiceFixture()
        let dora = name("dora")
        for _ in 0..<2 { _ = await fixture.service.recordWrongPassword(for: dora, from: source) }
        #expect(
            await fixture.service.checkPassword("secret", against: "hash:secret", for: dora, from: source) == .correct
        )
        #expect(await fixture.service.recordWrongPassword(for: dora, from: source) == nil)
        #expect(await fixture.service.recordWrongPassword(for: dora, from: source) == nil)
        #expect(await fixture.service.recordWrongPassword(for: dora, from: source) == 60)
    }

    // MARK: Joining

    @Test func theNewcomerIsGreetedFirstThenTheOthersWhoAcceptThemAreTold() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Blocker")
        try await fixture.store.block(owner: "blocker", target: "newton", at: fixture.clock.now())
        _ = try await fixture.join("Ada", on: 1)
        _ = try await fixture.join("Blocker", as: .registered, on: 2)
        fixture.sink.clear()
        let newton = try await fixture.join("Newton", on: 3)
        #expect(newton.name.display == "Newton" && newton.identity == .guest && newton.connection == ConnectionID(3))
        #expect(
            fixture.sink.deliveries == [
                .init(replies: [.welcome(name("Newton"))], connections: [ConnectionID(3)]),
                .init(replies: [.joined("Newton")], connections: [ConnectionID(1)]),
            ]
        )
        #expect(fixture.directory.holder(of: "newton")?.connection == ConnectionID(3))
    }

    @Test func theGreetingCountsTheUnreadMessages() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        for text in ["one", "two"] {
            _ = try await fixture.store.append(
                NewMessage(
                    at: fixture.clock.now(),
                    senderKey: nil,
                    senderName: "gus",
                    audience: .direct(recipients: [recipient("Dora", .unread)]),
                    text: text
                )
            )
        }
        _ = try await fixture.join("Dora", as: .registered, on: 1)
        #expect(fixture.sink.received(by: 1) == [.welcome(name("Dora")), .unreadMessages(2)])
    }

    @Test func aSecondJoinOfTheSameNameFailsAndLeavesTheFirstHolderAlone() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("Ada", on: 1)
        let bob = try await fixture.join("bob", on: 2)
        fixture.sink.clear()
        let second = await fixture.service.join(name("ADA"), as: .guest, on: ConnectionID(3))
        #expect(throws: ProtocolError.nameTaken(name("ADA"))) { try second.get() }
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(fixture.directory.holder(of: "ada")?.connection == ConnectionID(1))
        #expect(fixture.directory.holder(of: "ada")?.name.display == "Ada")
        // The first holder is still in the room: what bob says reaches them.
        fixture.service.say(["hi"], from: bob)
        #expect(fixture.sink.received(by: 1) == [.chat(from: "bob", text: "hi")])
        #expect(fixture.sink.received(by: 3).isEmpty)
    }

    @Test func aCertificateSpellingItsNameOtherwiseIsRefused() async throws {
        let fixture = ServiceFixture()
        try await fixture.certificate("Carl")
        let refused = await fixture.service.join(name("carl"), as: .certificate, on: ConnectionID(1))
        #expect(throws: ProtocolError.certificateNameSpelledOtherwise(name("carl"), stored: "Carl")) {
            try refused.get()
        }
        #expect(fixture.directory.holder(of: "carl") == nil)
        #expect(fixture.sink.deliveries.isEmpty)
        _ = try await fixture.join("Carl", as: .certificate, on: 2)
    }

    @Test func aCertificateTakesOverAPasswordNameItsFirstLogin() async throws {
        let fixture = ServiceFixture()
        try await fixture.registered("dora")
        _ = try await fixture.join("Dora", as: .certificate, on: 1)
        let stored = try await fixture.store.identity(forKey: "dora")
        #expect(stored?.kind == .certificate && stored?.displayName == "Dora")
    }

    @Test func noOneJoinsAfterShutDown() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("Ada", on: 1)
        fixture.sink.clear()
        fixture.service.shutDown()
        let refused = await fixture.service.join(name("bob"), as: .guest, on: ConnectionID(2))
        #expect(throws: ChatService.shuttingDownError) { try refused.get() }
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(fixture.directory.holder(of: "bob") == nil)
    }

    // MARK: Leaving

    @Test(
        arguments: [
            (LeaveReason.tata, ServerReply.left("Bob")),
            (.dropped, .leftUnexpectedly("Bob")),
            (.certificateRevoked, .notice("Bob left the conversation (client certificate revoked)")),
            (.flooding, .notice("Bob left the conversation (disconnected for flooding)")),
        ]
    )
    func leavingIsAnnouncedWithItsReasonAndFreesTheName(reason: LeaveReason, notice: ServerReply) async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("Ada", on: 1)
        var bob = try await fixture.join("Bob", on: 2)
        fixture.sink.clear()
        await fixture.service.leave(&bob, because: reason)
        #expect(!bob.isInRoom)
        #expect(fixture.sink.deliveries == [.init(replies: [notice], connections: [ConnectionID(1)])])
        #expect(fixture.directory.holder(of: "bob") == nil)
        await fixture.service.leave(&bob, because: reason)
        #expect(fixture.sink.deliveries.count == 1)
        _ = try await fixture.join("bob", on: 3)
    }

    @Test func endLeavesAsDroppedAndRecordsTheLogout() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("Ada", on: 1)
        var bob = try await fixture.join("Bob", on: 2)
        fixture.clock.advance(by: 30)
        fixture.sink.clear()
        await fixture.service.end(&bob)
        #expect(fixture.sink.deliveries == [.init(replies: [.leftUnexpectedly("Bob")], connections: [ConnectionID(1)])])
        let seen = try await fixture.store.recentlySeen(since: ManualClock.start)
        let bobSeen = try #require(seen.first { $0.nameKey == "bob" })
        #expect(bobSeen.lastSeen == fixture.clock.now() && !bobSeen.isOpen)
    }

    @Test func expelAnnouncesItsReasonAndTheLaterEndAnnouncesNothingMore() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("Ada", on: 1)
        var carl = try await fixture.join("Carl", on: 2)
        fixture.sink.clear()
        #expect(await fixture.service.expel(ConnectionID(2), because: .certificateExpired))
        #expect(!(await fixture.service.expel(ConnectionID(2), because: .certificateExpired)))
        #expect(fixture.directory.holder(of: "carl") == nil)
        await fixture.service.end(&carl)
        #expect(
            fixture.sink.deliveries == [
                .init(
                    replies: [.notice("Carl left the conversation (client certificate expired)")],
                    connections: [ConnectionID(1)]
                )
            ]
        )
    }

    @Test func aStaleConnectionCannotReleaseALaterHolder() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("Ada", on: 1)
        var first = try await fixture.join("Bob", on: 2)
        var stale = first
        await fixture.service.leave(&first, because: .dropped)
        _ = try await fixture.join("Bob", on: 3)
        fixture.sink.clear()
        await fixture.service.end(&stale)
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(fixture.directory.holder(of: "bob")?.connection == ConnectionID(3))
        #expect(!(await fixture.service.expel(ConnectionID(2), because: .flooding)))
        #expect(fixture.directory.holder(of: "bob")?.connection == ConnectionID(3))
    }

    @Test func nothingIsAnnouncedAfterShutDown() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("Ada", on: 1)
        var bob = try await fixture.join("Bob", on: 2)
        fixture.sink.clear()
        fixture.service.shutDown()
        await fixture.service.leave(&bob, because: .tata)
        #expect(await fixture.service.expel(ConnectionID(1), because: .flooding))
        #expect(fixture.sink.deliveries.isEmpty)
        #expect(fixture.directory.holder(of: "bob") == nil)
    }

    @Test func anOperatorRemovesAUserHereWhoIsToldWhyAsIsTheRoom() async throws {
        let fixture = ServiceFixture()
        _ = try await fixture.join("ada", on: 1)
        _ = try await fixture.join("Bob", on: 2)
        fixture.sink.clear()
        let removal = try await fixture.service.remove(name("bob"), reason: "  ")
        let bob = PresenceEntry(
            name: name("Bob"),
            connection: ConnectionID(2),
            identity: .guest,
            since: ManualClock.start
        )
        #expect(removal == .removed(bob))
        let notice = "you have been removed by the server's operator"
        #expect(fixture.sink.received(by: 2) == [.notice(notice), .bye(notice)])
        #expect(!fixture.sink.isOpen(ConnectionID(2)))
        #expect(
            fixture.sink.received(by: 1) == [.notice("Bob left the conversation (removed by the server's operator)")]
        )
        // Gone from the directory: the name is free, and a second removal finds nobody.
        #expect(try await fixture.service.remove(name("Bob"), reason: nil) == .notOnline)
        _ = try await fixture.join("bob", on: 3)
    }
}
