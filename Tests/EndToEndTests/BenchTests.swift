import Foundation
import Testing

/// `securechat-bench` counts correctly against the real server: no speed is asserted, only that its figures add up.
@Suite(.timeLimit(.minutes(2)))
struct BenchTests {
    /// Runs `securechat-bench ARGUMENTS --json FILE` against `server` and returns the metrics by key.
    private func bench(_ arguments: [String], against server: ServerProcess) async throws -> [String: Double] {
        try await bench(
            arguments + [
                "--port", "\(server.port)", "--ca", server.pki.caCertificate,
                "--server-pid", "\(server.process.process.processIdentifier)",
            ],
            json: server.pki.path("bench-\(UUID().uuidString).json")
        )
    }

    /// Runs `securechat-bench ARGUMENTS --peer P --json FILE` against an anchor server (Mosquitto or ngIRCd).
    private func bench(_ arguments: [String], against anchor: AnchorServer) async throws -> [String: Double] {
        try await bench(
            arguments + [
                "--port", "\(anchor.port)", "--ca", anchor.pki.caCertificate, "--peer", anchor.kind.peer,
                "--server-pid", "\(anchor.process.process.processIdentifier)",
            ],
            json: anchor.pki.path("bench-\(UUID().uuidString).json")
        )
    }

    /// Runs `securechat-bench ARGUMENTS --json FILE` and returns the metrics by key.
    private func bench(_ arguments: [String], json: String) async throws -> [String: Double] {
        let process = try LineProcess(
            name: "bench",
            executable: ServerProcess.executable("securechat-bench"),
            arguments: arguments + ["--json", json]
        )
        let status = await process.waitForExit(timeout: 90)
        #expect(status == 0, "securechat-bench failed: \(process.errorLines.suffix(5))")
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let metrics = try #require(report["metrics"] as? [[String: Any]])
        var values: [String: Double] = [:]
        for metric in metrics {
            if let key = metric["key"] as? String, let value = metric["value"] as? Double { values[key] = value }
        }
        return values
    }

    @Test func fanOutCountsEveryDeliveryExactlyOnce() async throws {
        let server = try await ServerProcess.start()
        let receivers = 12
        let perSender = 40
        let senders = 2
        let metrics = try await bench(
            [
                "fanout", "-n", "\(receivers)", "-P", "\(senders)", "-s", "60", "-d", "60", "--messages",
                "\(perSender)", "--window", "4",
            ],
            against: server
        )
        let messages = senders * perSender
        #expect(metrics["messages"] == Double(messages))
        #expect(metrics["deliveries"] == Double(receivers * messages))
        #expect(metrics["expected_deliveries"] == Double(receivers * messages))
        #expect(metrics["lost"] == 0)
        #expect(metrics["duplicated"] == 0)
        #expect(metrics["malformed"] == 0)
        #expect(metrics["refused"] == 0)
        #expect(metrics["server_cpu_us_per_delivery"] != nil)
        #expect((metrics["latency_p99_ms"] ?? -1) >= (metrics["latency_p50_ms"] ?? 0))
    }

    @Test func pacedFanOutSendsAtTheRequestedRate() async throws {
        let server = try await ServerProcess.start()
        // 10 receivers at 200 deliveries/s: 20 messages a second, capped at 15 messages.
        let metrics = try await bench(
            ["fanout", "-n", "10", "-d", "30", "--messages", "15", "--rate", "200"],
            against: server
        )
        #expect(metrics["messages"] == 15)
        #expect(metrics["deliveries"] == 150)
        #expect(metrics["lost"] == 0)
        #expect(metrics["duplicated"] == 0)
    }

    @Test func offlineMessagesAreAllStoredAndRead() async throws {
        let server = try await ServerProcess.start()
        let metrics = try await bench(
            ["offline", "-k", "60", "--senders", "4", "--recipients", "3"],
            against: server
        )
        #expect(metrics["acknowledged"] == 60)
        #expect(metrics["failed"] == 0)
        #expect(metrics["inbox_read"] == 60)
        #expect(metrics["inbox_missing"] == 0)
    }

    /// `store` needs no server: it appends to a store of its own, and every message must be unread in an inbox after.
    @Test func storeAloneStoresEveryMessage() async throws {
        let pki = try TestPKI.make()
        let database = pki.path("store-bench.sqlite")
        let metrics = try await bench(
            ["store", "-k", "75", "--writers", "6", "--batch", "4", "--recipients", "5", "--database", database],
            json: pki.path("bench-store.json")
        )
        #expect(metrics["acknowledged"] == 75)
        #expect(metrics["unread_missing"] == 0)
        #expect(metrics["cpu_us_per_message"] != nil)
        #expect(FileManager.default.fileExists(atPath: database))
    }

    /// `sealing` needs no server: every message it seals must open and verify.
    @Test func sealingOpensAndVerifiesEveryMessageItSeals() async throws {
        let pki = try TestPKI.make()
        let alice = try pki.client("alice")
        let bob = try pki.client("bob")
        let metrics = try await bench(
            [
                "sealing", "--cert", alice.cert, "--key", alice.key, "--to-cert", bob.cert, "--to-key", bob.key,
                "--ca", pki.caCertificate, "-k", "20", "-s", "300",
            ],
            json: pki.path("bench-sealing.json")
        )
        #expect(metrics["verified"] == 20)
        #expect((metrics["der_bytes"] ?? 0) > 300)
        #expect((metrics["seal_line_bytes"] ?? 0) > (metrics["der_bytes"] ?? 0))
    }

    /// `--peer websocket` drives the same server over its WebSocket: every delivery counted once, every connection
    /// logged in through the upgrade.
    @Test func overTheWebSocketEveryDeliveryIsCountedOnce() async throws {
        let server = try await ServerProcess.start()
        let metrics = try await bench(
            [
                "fanout", "-n", "6", "-P", "2", "-s", "60", "-d", "60", "--messages", "30", "--window", "4", "--peer",
                "websocket",
            ],
            against: server
        )
        #expect(metrics["deliveries"] == Double(6 * 2 * 30))
        #expect(metrics["expected_deliveries"] == Double(6 * 2 * 30))
        #expect(metrics["lost"] == 0)
        #expect(metrics["duplicated"] == 0)
        #expect(metrics["malformed"] == 0)
        let idle = try await bench(["idle", "-n", "5", "--hold", "0", "--peer", "websocket"], against: server)
        #expect(idle["still_open"] == 5)
        #expect(await server.process.errorLine { $0.contains("ALPN http/1.1 WebSocket") } != nil)
    }

    @Test func handshakeAndIdleReportTheirCounts() async throws {
        let server = try await ServerProcess.start()
        let handshakes = try await bench(["handshake", "-m", "20", "-c", "4"], against: server)
        #expect(handshakes["handshakes"] == 20)
        #expect(handshakes["failures"] == 0)
        let idle = try await bench(["idle", "-n", "10", "--hold", "0"], against: server)
        #expect(idle["connections"] == 10)
        #expect(idle["still_open"] == 10)
        #expect(idle["kib_per_connection"] != nil)
    }

    /// With `--resume` every measured handshake resumes a session (each ticket offered once); without it none does.
    @Test func resumedHandshakesAreCountedAsResumed() async throws {
        let server = try await ServerProcess.start()
        let resumed = try await bench(["handshake", "-m", "30", "-c", "5", "--resume"], against: server)
        #expect(resumed["handshakes"] == 30)
        #expect(resumed["resumed"] == 30)
        #expect(resumed["failures"] == 0)
        let full = try await bench(["handshake", "-m", "10", "-c", "5"], against: server)
        #expect(full["handshakes"] == 10)
        #expect(full["resumed"] == 0)
    }

    /// `tls` needs no server: it runs our TLS layer back to back in memory with the server's certificate, and
    /// fails unless every handshake delivers the greeting. Its per-line figure is its per-record one spread over the
    /// lines of a record.
    @Test func inMemoryTLSRunsEveryHandshakeAndCountsRecords() async throws {
        let pki = try TestPKI.make()
        let metrics = try await bench(
            [
                "tls", "--cert", pki.serverCertificate, "--key", pki.serverKey, "--ca", pki.caCertificate,
                "-m", "5", "-r", "20", "--lines-per-record", "4",
            ],
            json: pki.path("bench-tls.json")
        )
        #expect(metrics["handshakes"] == 5)
        let perHandshake = try #require(metrics["server_cpu_us_per_handshake"])
        let perRecord = try #require(metrics["server_cpu_us_per_record"])
        let perLine = try #require(metrics["server_cpu_us_per_line"])
        #expect(perHandshake > 0 && perRecord > 0)
        #expect(abs(perLine * 20 - perRecord * 5) < 1e-6 * perRecord)
    }

    /// A server certificate the client does not trust makes `tls` fail instead of measuring something else.
    @Test func inMemoryTLSFailsAgainstAnUntrustedCertificate() async throws {
        let pki = try TestPKI.make()
        let stranger = try TestPKI.makeWithOwnAuthority()
        let process = try LineProcess(
            name: "bench",
            executable: ServerProcess.executable("securechat-bench"),
            arguments: [
                "tls", "--cert", pki.serverCertificate, "--key", pki.serverKey, "--ca", stranger.caCertificate,
                "-m", "1", "-r", "1",
            ]
        )
        let status = await process.waitForExit(timeout: 60)
        #expect(status != 0)
    }

    /// `--peer mqtt` / `--peer irc` drive Mosquitto and ngIRCd as the other modes drive SecureChat: every handshake,
    /// every login, and every message to every receiver exactly once (two senders, so each also gets the other's
    /// messages and never its own). Skipped where the package is missing, except under CI (`.ci/run` installs both).
    @Test(SystemPackage.mosquitto.required)
    func mosquittoIsMeasuredTheSameWay() async throws {
        try await measureTheSameWay(.mosquitto)
    }

    @Test(SystemPackage.ngircd.required)
    func ngircdIsMeasuredTheSameWay() async throws {
        try await measureTheSameWay(.ngircd)
    }

    private func measureTheSameWay(_ kind: AnchorServer.Kind) async throws {
        try #require(kind.package.isInstalled, "\(kind.rawValue) is not installed (apt-get install \(kind.rawValue))")
        let server = try await AnchorServer.start(kind)
        let handshakes = try await bench(["handshake", "-m", "12", "-c", "4"], against: server)
        #expect(handshakes["handshakes"] == 12)
        #expect(handshakes["failures"] == 0)
        #expect(handshakes["server_cpu_us_per_handshake"] != nil)
        let idle = try await bench(["idle", "-n", "8", "--hold", "0"], against: server)
        #expect(idle["connections"] == 8)
        #expect(idle["still_open"] == 8)
        #expect(idle["kib_per_connection"] != nil)
        let receivers = 6
        let perSender = 30
        let fanout = try await bench(
            [
                "fanout", "-n", "\(receivers)", "-P", "2", "-s", "60", "-d", "60", "--messages", "\(perSender)",
                "--window", "4",
            ],
            against: server
        )
        #expect(fanout["messages"] == Double(2 * perSender))
        #expect(fanout["deliveries"] == Double(receivers * 2 * perSender))
        #expect(fanout["lost"] == 0)
        #expect(fanout["duplicated"] == 0)
        #expect(fanout["malformed"] == 0)
        #expect(fanout["refused"] == 0)
    }

    /// The modes that need SecureChat's own commands refuse another server's protocol up front.
    @Test func offlineAndResumeRefuseOtherProtocols() async throws {
        for arguments in [["offline", "-k", "1", "--peer", "mqtt"], ["handshake", "--resume", "--peer", "irc"]] {
            let process = try LineProcess(
                name: "bench",
                executable: ServerProcess.executable("securechat-bench"),
                arguments: arguments
            )
            let status = await process.waitForExit(timeout: 30)
            #expect(status == 64, "\(arguments): \(process.errorLines.suffix(3))")
            #expect(process.errorLines.contains { $0.contains("--peer securechat only") }, "\(arguments)")
        }
    }
}
