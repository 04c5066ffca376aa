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

    @Test func lockOutsFollowTheClockAndItsLimits() {
        let clock = ManualClock()
        let directory = LocalPresenceDirectory(clock: clock, limits: .init(failuresBeforeLock: 2, firstLock: 10))
        #expect(directory.recordWrongPassword(for: "ada", from: "a") == nil)
        #expect(directory.recordWrongPassword(for: "ada", from: "a") == 10)
        clock.advance(by: 0.25)
        #expect(directory.lockRemaining(of: "ada", from: "a") == 10)
        #expect(directory.lockRemaining(of: "ada", from: "b") == nil)
        clock.advance(by: 9.75)
        #expect(directory.lockRemaining(of: "ada", from: "a") == nil)
        _ = directory.recordWrongPassword(for: "ada", from: "a")
        directory.recordCorrectPassword(for: "ada", from: "a")
        #expect(directory.recordWrongPassword(for: "ada", from: "a") == nil)
    }
}
