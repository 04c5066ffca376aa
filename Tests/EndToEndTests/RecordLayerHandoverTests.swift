import Foundation
import Testing

/// TLS 1.3 connections handed over to the server's own record layer (`--tls-handover`, docs/TLS.md), against stock
/// TLS stacks: `openssl s_client` with each cipher suite and its key updates, Python's `ssl` with thousands of
/// records each way while the server updates its key every 100 records, records forged under the TLS layer, and the
/// connections that stay with OpenSSL. Every other end-to-end suite runs with the handover on too (the default).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RecordLayerHandoverTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("TLS")

    /// A server whose record layer updates its key every `recordsPerKey` records, with metrics on.
    private static func server(_ extra: [String] = [], recordsPerKey: Int = 20) async throws -> (ServerProcess, Int) {
        let server = try await ServerProcess.start(
            extraArguments: ["--metrics-listen", "127.0.0.1:0", "--tls-records-per-key", "\(recordsPerKey)"] + extra
        )
        guard let line = await server.process.errorLine(where: { $0.contains("metrics: http://127.0.0.1:") }),
            let match = line.firstMatch(of: /127\.0\.0\.1:([0-9]+)\/metrics/), let port = Int(match.output.1)
        else {
            throw ServerProcess.StartFailure(log: server.process.errorLines.joined(separator: "\n"))
        }
        return (server, port)
    }

    /// `securechat_tls_handovers_total` from a scrape.
    private static func handovers(metricsPort: Int) throws -> Int? {
        let socket = try RawSocket(port: metricsPort)
        socket.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let body = String(decoding: socket.readUntilClosed(timeout: 10).bytes, as: UTF8.self)
        let line = body.split(separator: "\n").first { $0.hasPrefix("securechat_tls_handovers_total ") }
        return line.flatMap { Int($0.split(separator: " ")[1]) }
    }

    /// `s_client` with its commands on (no `-quiet`): a line `K` updates its key and asks for ours, `k` updates
    /// its key only, and either says `KEYUPDATE` on stderr. A command drops whatever else s_client read with it,
    /// so the next line waits for that. No chat line may start with K, k, Q or R.
    private static func sClient(_ server: ServerProcess, _ arguments: [String]) throws -> LineProcess {
        try LineProcess(
            name: "s_client",
            executable: "/usr/bin/openssl",
            arguments: [
                "s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", server.pki.caCertificate,
                "-verify_return_error",
            ] + arguments
        )
    }

    private static func python(_ server: ServerProcess, _ arguments: [String]) throws -> LineProcess {
        try LineProcess(
            name: "tls_peer",
            executable: WebClient.python ?? "/usr/bin/python3",
            arguments: [
                directory.appendingPathComponent("tls_peer.py").path, "--port", "\(server.port)", "--ca",
                server.pki.caCertificate,
            ] + arguments
        )
    }

    /// Waits until `line` has appeared `count` times on `process`'s stderr.
    private static func count(of line: String, in process: LineProcess, reaches count: Int) async -> Bool {
        for _ in 0..<1000 {
            if process.errorLines.filter({ $0 == line }).count >= count { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test func sClientWithEachSuiteUpdatesKeysBothWaysAndChatsOn() async throws {
        let (server, metricsPort) = try await Self.server()
        let bob = try await server.login("bob")
        let suites = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
        for (index, suite) in suites.enumerated() {
            let name = "amy\(index)"
            let client = try Self.sClient(server, ["-tls1_3", "-ciphersuites", suite])
            #expect(await client.next("PROMPT Enter username:") != nil)
            client.send(name)
            #expect(await client.next("WELCOME \(name) ") != nil)
            // 60 lines each way: the server's key changes every 20 records, the client's at every K and k.
            var updates = 0
            for round in 0..<60 {
                if round % 10 == 3 {
                    updates += 1
                    client.send(round % 20 == 3 ? "K" : "k")
                    #expect(await Self.count(of: "KEYUPDATE", in: client, reaches: updates))
                }
                client.send("hello \(round)")
                #expect(
                    await bob.next(timeout: 20) { $0 == "CHAT \(name): hello \(round)" } != nil,
                    "\(suite): \(bob.lines.suffix(3)) \(client.lines.suffix(5))"
                )
                bob.send("back \(round)")
                #expect(await client.next(timeout: 20) { $0 == "CHAT bob: back \(round)" } != nil, "\(suite)")
            }
            client.send("tata")
            #expect(await client.next("BYE ") != nil)
            #expect(await client.waitForExit(timeout: 10) != nil)
        }
        #expect(try Self.handovers(metricsPort: metricsPort) == 4, "bob and the three s_clients")
        #expect(server.process.errorLines.allSatisfy { !$0.contains("TLS protocol error") })
    }

    @Test func pythonSendsAndReceivesThousandsOfRecords() async throws {
        let (server, metricsPort) = try await Self.server(recordsPerKey: 100)
        let peer = try Self.python(server, ["--name", "pyra", "--records", "3000"])
        #expect(await peer.next(timeout: 60) { $0.hasPrefix("CIPHER ") } == "CIPHER TLS_AES_256_GCM_SHA384 TLSv1.3")
        #expect(await peer.next(timeout: 120) { $0.hasPrefix("DONE ") } == "DONE 6000")
        #expect(await peer.next(timeout: 10) { $0.hasPrefix("< BYE ") } != nil)
        #expect(try Self.handovers(metricsPort: metricsPort) == 1)
        #expect(server.process.errorLines.allSatisfy { !$0.contains("TLS protocol error") })
    }

    /// Bytes written under the TLS layer after the handover: the server answers each with its alert and closes that
    /// connection, logs why, and the others chat on.
    @Test(arguments: [
        ("badtag", "SSLV3_ALERT_BAD_RECORD_MAC", "bad_record_mac"),
        ("overflow", "TLSV1_ALERT_RECORD_OVERFLOW", "record_overflow"),
        ("plaintext", "SSLV3_ALERT_UNEXPECTED_MESSAGE", "unexpected_message"),
    ])
    func forgedRecordsDrawTheirAlert(kind: String, pythonReason: String, alert: String) async throws {
        let (server, _) = try await Self.server()
        let good = try await HardeningTests.GoodPair.login(on: server)
        let peer = try Self.python(server, ["--name", "mallory", "--forge", kind])
        #expect(
            await peer.next(timeout: 30) { $0.hasPrefix("ALERT ") || $0.hasPrefix("EOF") } == "ALERT \(pythonReason)"
        )
        #expect(
            await server.process.errorLine {
                $0.contains("connection error: TLS protocol error") && $0.hasSuffix("sent \(alert)")
            } != nil
        )
        await good.stillChatting()
    }

    @Test func aResetInTheMiddleOfARecordCostsNothing() async throws {
        let (server, _) = try await Self.server()
        let good = try await HardeningTests.GoodPair.login(on: server)
        let peer = try Self.python(server, ["--name", "mallory", "--forge", "reset"])
        #expect(await peer.next(timeout: 30) { $0 == "RESET" } != nil)
        #expect(await server.process.errorLine { $0.contains("mallory") && $0.contains("offline") } != nil)
        await good.stillChatting()
    }

    @Test func tls12AndHandoverOffStayWithOpenSSL() async throws {
        let (server, metricsPort) = try await Self.server()
        let old = try server.connect(extra: ["-tls1_2"])
        #expect(await old.next("PROMPT Enter username:") != nil)
        old.send("oldie")
        #expect(await old.next("WELCOME oldie ") != nil)
        #expect(try Self.handovers(metricsPort: metricsPort) == 0)
        let new = try await server.login("newbie")
        old.send("hi newbie")
        #expect(await new.next { $0 == "CHAT oldie: hi newbie" } != nil)
        #expect(try Self.handovers(metricsPort: metricsPort) == 1)

        let (off, offMetricsPort) = try await Self.server(["--tls-handover", "off"])
        let one = try await off.login("one")
        let two = try await off.login("two")
        one.send("over OpenSSL")
        #expect(await two.next { $0 == "CHAT one: over OpenSSL" } != nil)
        #expect(try Self.handovers(metricsPort: offMetricsPort) == 0)
    }
}
