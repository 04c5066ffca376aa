import ChatCore
import Testing

@Suite struct LocalPresenceDirectoryTests {
    private func entry(_ raw: String, _ number: Int, _ identity: IdentityKind = .guest) -> PresenceEntry {
        PresenceEntry(name: name(raw), connection: ConnectionID(number), identity: identity)
    }

    @Test func aNameIsClaimedOnceCaseInsensitively() {
        let directory = LocalPresenceDirectory(clock: ManualClock())
        #expect(directory.claim(entry("Ada", 1)))
        #expect(!directory.claim(entry("ada", 2)))
        #expect(directory.holder(of: "ada") == entry("Ada", 1))
        #expect(directory.claim(entry("bob", 2)))
        #expect(Set(directory.everyone().map(\.connection)) == [ConnectionID(1), ConnectionID(2)])
    }

    @Test func onlyTheHoldingConnectionReleasesOrUpdatesAName() {
        let directory = LocalPresenceDirectory(clock: ManualClock())
        _ = directory.claim(entry("Ada", 1))
        directory.update("ada", connection: ConnectionID(2), identity: .registered)
        directory.release("ada", connection: ConnectionID(2))
        #expect(directory.holder(of: "ada") == entry("Ada", 1))
        directory.update("ada", connection: ConnectionID(1), identity: .registered)
        #expect(directory.holder(of: "ada")?.identity == .registered)
        directory.release("ada", connection: ConnectionID(1))
        #expect(directory.holder(of: "ada") == nil)
        #expect(directory.everyone().isEmpty)
    }

    @Test func connectionsOfOtherNodesAreTold() {
        let directory = LocalPresenceDirectory(clock: ManualClock())
        _ = directory.claim(
            PresenceEntry(name: name("ada"), connection: ConnectionID(node: 2, number: 1), identity: .guest)
        )
        directory.release("ada", connection: ConnectionID(1))
        #expect(directory.holder(of: "ada")?.connection == ConnectionID(node: 2, number: 1))
    }

    /// The same rules whether the lock-outs are kept in memory or in a store (`true`).
    @Test(arguments: [false, true])
    func lockOutsFollowTheClockAndItsLimits(inStore: Bool) async throws {
        let clock = ManualClock()
        let directory = LocalPresenceDirectory(
            clock: clock,
            limits: .init(failuresBeforeLock: 2, firstLock: 10),
            attempts: inStore ? InMemoryMessageStore() : nil
        )
        #expect(try await directory.recordWrongPassword(for: "ada", from: "a") == nil)
        #expect(try await directory.recordWrongPassword(for: "ada", from: "a") == 10)
        clock.advance(by: 0.25)
        #expect(try await directory.lockRemaining(of: "ada", from: "a") == 10)
        #expect(try await directory.lockRemaining(of: "ada", from: "b") == nil)
        clock.advance(by: 9.75)
        #expect(try await directory.lockRemaining(of: "ada", from: "a") == nil)
        _ = try await directory.recordWrongPassword(for: "ada", from: "a")
        try await directory.recordCorrectPassword(for: "ada", from: "a")
        #expect(try await directory.recordWrongPassword(for: "ada", from: "a") == nil)
    }

    /// Kept in the store, a lock-out outlives the directory (a restart) and is seen by another one (another server).
    @Test func aLockOutKeptInTheStoreOutlivesItsDirectory() async throws {
        let clock = ManualClock()
        let store = InMemoryMessageStore()
        let limits = LoginGuard.Limits(failuresBeforeLock: 3, firstLock: 60)
        let first = LocalPresenceDirectory(clock: clock, limits: limits, attempts: store)
        for _ in 1...3 { _ = try await first.recordWrongPassword(for: "dave", from: "10.0.0.9") }
        clock.advance(by: 20)
        let second = LocalPresenceDirectory(clock: clock, limits: limits, attempts: store)
        #expect(try await second.lockRemaining(of: "dave", from: "10.0.0.9") == 40)
        // The doubling goes on where the first directory left off.
        clock.advance(by: 40)
        for _ in 1...3 { _ = try await second.recordWrongPassword(for: "dave", from: "10.0.0.9") }
        #expect(try await first.lockRemaining(of: "dave", from: "10.0.0.9") == 120)
    }
}
