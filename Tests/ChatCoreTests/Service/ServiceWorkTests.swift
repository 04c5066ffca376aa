import Foundation
import Synchronization
import Testing

@testable import ChatCore

@Suite struct ServiceWorkTests {
    /// Returns once `work` has begun closing (it refuses new work).
    private func closingBegun(_ work: ServiceWork) async {
        while work.enter() {
            work.leave()
            await Task.yield()
        }
    }

    @Test func closingWithNothingUnderWayReturnsAndRefusesWorkFromThenOn() async {
        let work = ServiceWork()
        await work.close()
        #expect(!work.enter())
        let ran = Mutex(false)
        #expect(!work.spawn { ran.withLock { $0 = true } })
        await work.close()
        #expect(!ran.withLock { $0 })
    }

    @Test func closingWaitsForWorkUnderWay() async {
        let work = ServiceWork()
        let events = Mutex<[String]>([])
        #expect(work.enter())
        #expect(work.enter())
        let closing = Task {
            await work.close()
            events.withLock { $0.append("closed") }
        }
        await closingBegun(work)
        events.withLock { $0.append("first left") }
        work.leave()
        await Task.yield()
        events.withLock { $0.append("second left") }
        work.leave()
        await closing.value
        #expect(events.withLock { $0 } == ["first left", "second left", "closed"])
    }

    @Test func closingWaitsForSpawnedWork() async {
        let work = ServiceWork()
        let events = Mutex<[String]>([])
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (gate, opener) = AsyncStream.makeStream(of: Void.self)
        #expect(
            work.spawn {
                startedContinuation.yield()
                for await _ in gate { break }
                events.withLock { $0.append("spawned done") }
            }
        )
        for await _ in started { break }
        let closing = Task {
            await work.close()
            events.withLock { $0.append("closed") }
        }
        await closingBegun(work)
        opener.yield()
        await closing.value
        #expect(events.withLock { $0 } == ["spawned done", "closed"])
    }

    // MARK: The service's close

    @Test func callsAfterCloseAnswerTheShuttingDownErrorAndNeverTouchTheStore() async throws {
        let observed = ObservedStore()
        let fixture = ServiceFixture(observed: observed)
        var ada = try await fixture.join("ada", on: 1)
        try await fixture.service.close()
        let before = observed.calls
        #expect(before.last == "close")
        let shuttingDown = ServerReply.error(.notAllowed("the server is shutting down"))
        #expect(await fixture.service.status(of: name("bob"), from: "10.0.0.2") == .unknown)
        #expect(
            await fixture.service.checkPassword("pw", against: "hash:pw", for: name("bob"), from: "10.0.0.2")
                == .unavailable
        )
        #expect(await fixture.service.recordWrongPassword(for: name("bob"), from: "10.0.0.2") == nil)
        let join = await fixture.service.join(name("bob"), as: .registered, on: ConnectionID(2))
        #expect(throws: ChatService.shuttingDownError) { try join.get() }
        #expect(await fixture.service.perform(.whoelse, for: &ada) == [shuttingDown])
        #expect(await fixture.service.perform(.history(limit: 5), for: &ada) == [shuttingDown])
        #expect(
            await fixture.service.send([(name("x"), "1"), (name("y"), "2")], from: ada) == [shuttingDown, shuttingDown]
        )
        fixture.service.say(["late"], from: ada)
        #expect(await fixture.service.perform(.broadcastAll(text: "late"), for: &ada) == [shuttingDown])
        await fixture.service.end(&ada)
        #expect(observed.calls == before)
    }

    @Test func closeWaitsForChatLinesBeingStored() async throws {
        let observed = ObservedStore()
        let fixture = ServiceFixture(observed: observed)
        let ada = try await fixture.join("ada", on: 1)
        observed.hold()
        fixture.service.say(["kept"], from: ada)
        await observed.appendHeld()
        let closing = Task { try await fixture.service.close() }
        await closingBegun(fixture.service.work)
        observed.release()
        try await closing.value
        #expect(observed.calls.suffix(3) == ["append(contentsOf:)", "appended", "close"])
        #expect(await fixture.store.messages.map(\.text) == ["kept"])
    }
}
