import Foundation
import Testing

/// Abuse costs the abuser, not the other users: each test keeps two well-behaved users chatting throughout.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HardeningTests {
    /// Two logged-in users who check that chat still flows between them.
    struct GoodPair {
        let alice: LineProcess
        let bob: LineProcess
        private static let counter = Counter()

        static func login(on server: ServerProcess) async throws -> GoodPair {
            let alice = try await server.login("alice")
            let bob = try await server.login("bob")
            return GoodPair(alice: alice, bob: bob)
        }

        func stillChatting(_ comment: Comment? = nil) async {
            let text = "still here \(Self.counter.next())"
            alice.send(text)
            #expect(await bob.next(timeout: 30) { $0 == "CHAT alice: \(text)" } != nil, comment)
        }
    }

    final class Counter: @unchecked Sendable {
        // `lock` protects `value`.
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    @Test func garbageAndHTTPOnTheTLSPortCloseOnlyThoseConnections() async throws {
        let server = try await ServerProcess.start()
        let good = try await GoodPair.login(on: server)
        let garbage = try RawSocket(port: server.port)
        garbage.send(Array(repeating: 0x41, count: 300) + [0x0A])
        #expect(garbage.readUntilClosed(timeout: 5).closed)
        let http = try RawSocket(port: server.port)
        http.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(http.readUntilClosed(timeout: 5).closed)
        #expect(await server.process.errorLine { $0.contains("connection error") } != nil)
        await good.stillChatting()
    }

    @Test func handshakesThatNeverFinishTimeOutWithoutBlockingOthers() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--handshake-timeout", "2"])
        let good = try await GoodPair.login(on: server)
        var stalled: [RawSocket] = []
        for _ in 0..<200 {
            let socket = try RawSocket(port: server.port)
            socket.send(HandshakeBytes.partialClientHello)
            stalled.append(socket)
        }
        let started = Date()
        let newcomer = try await server.login("carol")
        #expect(Date().timeIntervalSince(started) < 2, "a good client must still log in quickly")
        await good.stillChatting()
        for socket in stalled.prefix(5) {
            #expect(socket.readUntilClosed(timeout: 6).closed, "a stalled handshake must be dropped after the timeout")
        }
        _ = newcomer
        await good.stillChatting()
    }

    @Test func aPeerThatResetsMidHandshakeCostsNothing() async throws {
        let server = try await ServerProcess.start()
        let good = try await GoodPair.login(on: server)
        for _ in 0..<20 {
            let socket = try RawSocket(port: server.port)
            socket.send(HandshakeBytes.partialClientHello)
            socket.reset()
        }
        await good.stillChatting()
    }

    @Test func aMegabyteWithoutNewlineKeepsMemoryBounded() async throws {
        let server = try await ServerProcess.start()
        let good = try await GoodPair.login(on: server)
        let pid = server.process.process.processIdentifier
        let before = ProcessStats.residentKiB(pid: pid) ?? 0
        let flooder = try await server.login("flooder")
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        for _ in 0..<16 { flooder.sendRaw(chunk) }
        // The server answers `BYE too much data without a newline`, but closing a socket with unread input sends a
        // TCP reset, which may destroy that line before the peer reads it: what must hold is the drop itself.
        #expect(await flooder.waitForExit(timeout: 10) != nil, "a peer that never sends a newline is dropped")
        let after = ProcessStats.residentKiB(pid: pid) ?? 0
        #expect(after - before < 16 * 1024, "RSS grew from \(before) KiB to \(after) KiB")
        await good.stillChatting()
    }

    @Test func controlCharactersArriveNeutralised() async throws {
        let server = try await ServerProcess.start()
        let good = try await GoodPair.login(on: server)
        good.alice.send("send bob \u{1B}]52;c;ZXZpbA==\u{07}\u{9B}31m")
        let line = await good.bob.next("PRIVATE ")
        #expect(line == "PRIVATE alice: ␛]52;c;ZXZpbA==␇�31m")
        await good.stillChatting()
    }

    @Test func perAddressConnectionCap() async throws {
        let server = try await ServerProcess.start(
            limits: [
                "--max-connections-per-ip", "5", "--max-new-connections-per-minute", "1000",
                "--rate-burst", "1000", "--rate-per-second", "1000",
            ]
        )
        let good = try await GoodPair.login(on: server)
        // Four more from the same address: one over the cap. Which one is refused depends on which event loop
        // gets to it first, so count rather than pick.
        var held: [RawSocket] = []
        for _ in 0..<4 { held.append(try RawSocket(port: server.port)) }
        let closed = held.filter { $0.readUntilClosed(timeout: 1).closed }
        #expect(closed.count == 1)
        #expect(await server.process.errorLine { $0.contains("connection refused: more than 5 connections") } != nil)
        held.removeAll()
        // Once the server has seen all four go (three closed by us, one refused), there is room again.
        let deadline = ContinuousClock.now + .seconds(10)
        while server.process.errorLines.filter({ $0.contains("disconnected before logging in") }).count < 4,
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        _ = try await server.login("carol")
        await good.stillChatting()
    }

    @Test func perAddressNewConnectionRate() async throws {
        let server = try await ServerProcess.start(
            limits: ["--max-new-connections-per-minute", "4", "--rate-burst", "1000", "--rate-per-second", "1000"]
        )
        let good = try await GoodPair.login(on: server)
        _ = try RawSocket(port: server.port)
        _ = try RawSocket(port: server.port)
        let refused = try RawSocket(port: server.port)
        #expect(refused.readUntilClosed(timeout: 5).closed)
        #expect(await server.process.errorLine { $0.contains("new connections per minute") } != nil)
        await good.stillChatting()
    }

    @Test func floodersAreRefusedThenDisconnected() async throws {
        let server = try await ServerProcess.start(limits: ["--rate-burst", "10", "--rate-per-second", "5"])
        let good = try await GoodPair.login(on: server)
        let flooder = try await server.login("flooder")
        for index in 0..<60 { flooder.send("flood \(index)") }
        #expect(await flooder.next("ERROR ")?.hasPrefix("ERROR rate-limited ") == true)
        #expect(await flooder.next("BYE ") == "BYE too many lines too fast")
        #expect(
            await good.bob.next { $0.hasPrefix("NOTICE flooder left") }
                == "NOTICE flooder left the conversation (disconnected for flooding)"
        )
        await good.stillChatting()
    }

    @Test func aReaderThatNeverReadsIsDropped() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--outbound-queue-limit", "262144"])
        let good = try await GoodPair.login(on: server)
        // An s_client whose stdout nobody reads: once its pipe fills, it stops reading the socket.
        let sleeper = try server.connect(extra: [])
        await sleeper.next("PROMPT ")
        sleeper.send("sleeper")
        await sleeper.next("WELCOME ")
        sleeper.stopReading()
        let text = String(repeating: "z", count: 4000)
        for _ in 0..<4000 { good.alice.send(text) }
        #expect(await server.process.errorLine(timeout: 60) { $0.contains("slow reader") } != nil)
        #expect(await good.bob.next(timeout: 60) { $0.hasPrefix("NOTICE sleeper left") } != nil)
        await good.stillChatting()
    }

    @Test func thousandConnectionCyclesLeaveNoDescriptorsBehind() async throws {
        let server = try await ServerProcess.start()
        let good = try await GoodPair.login(on: server)
        let pid = server.process.process.processIdentifier
        let before = ProcessStats.openFiles(pid: pid) ?? -1
        for index in 0..<1000 {
            let socket = try RawSocket(port: server.port)
            if index % 2 == 0 { socket.send(HandshakeBytes.partialClientHello) }
            if index % 3 == 0 { socket.reset() } else { socket.close() }
        }
        for index in 0..<10 {
            let client = try await server.login("cycle\(index)")
            client.send("tata")
            await client.waitForExit()
        }
        var after = -1
        for _ in 0..<50 {
            after = ProcessStats.openFiles(pid: pid) ?? -1
            if after <= before { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(after <= before, "open descriptors went from \(before) to \(after)")
        await good.stillChatting()
    }
}
