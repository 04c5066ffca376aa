import Foundation
import Testing

/// What an operator does with a running server: a configuration file read at start and on SIGHUP, `--check-config`,
/// the control socket and `securechat-ctl`, JSON logs, and systemd's readiness protocol.
@Suite(.timeLimit(.minutes(3)))
struct OperatorTests {
    private static func ctl(
        _ socket: String,
        _ command: [String],
        as user: String? = nil
    ) async throws -> (
        status: Int32, output: String
    ) {
        let ctl = ServerProcess.executable("securechat-ctl")
        if let user {
            return try await SetupTests.run("/usr/sbin/runuser", ["-u", user, "--", ctl, "--socket", socket] + command)
        }
        return try await SetupTests.run(ctl, ["--socket", socket] + command)
    }

    private static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func checkConfigSaysOKOrListsEachProblemAndFails() async throws {
        let pki = try TestPKI.make()
        let good = pki.path("good.toml")
        try Self.write(
            """
            # A server for the test's certificates.
            port = 7443
            cert = "\(pki.serverCertificate)"
            key = "\(pki.serverKey)"
            client-auth = "optional"
            ca = "\(pki.caCertificate)"
            max-connections = 500
            """,
            to: good
        )
        let server = ServerProcess.executable("securechat-server")
        let ok = try await SetupTests.run(server, ["--config", good, "--check-config"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("configuration OK: \(good)"))

        let bad = pki.path("bad.toml")
        try Self.write("max-conections = 5\nport = 70000\nkey = \"\(pki.path("missing.key"))\"\n", to: bad)
        let refused = try await SetupTests.run(server, ["--config", bad, "--check-config"])
        #expect(refused.status == 1)
        let lines = refused.output.split(separator: "\n")
        #expect(lines.contains { $0.contains("unknown setting 'max-conections' (did you mean 'max-connections'?)") })
        #expect(lines.contains { $0.contains("port: give a port from 0 to 65535") })

        // Settings fine, a file they name missing: the TLS check finds it.
        try Self.write("key = \"\(pki.path("missing.key"))\"\ncert = \"\(pki.serverCertificate)\"\n", to: bad)
        let missing = try await SetupTests.run(server, ["--config", bad, "--check-config"])
        #expect(missing.status == 1)
        #expect(missing.output.contains("missing.key"))

        // The command line wins: a good port on it mends the file's bad one.
        try Self.write("port = 70000\ncert = \"\(pki.serverCertificate)\"\nkey = \"\(pki.serverKey)\"\n", to: bad)
        let mended = try await SetupTests.run(server, ["--config", bad, "--port", "7000", "--check-config"])
        #expect(mended.status == 0, "\(mended.output)")

        // A server started with a broken file does not start, and says why in one line.
        let broken = pki.path("broken.toml")
        try Self.write("port = \n", to: broken)
        let start = try await SetupTests.run(server, ["--config", broken])
        #expect(start.status == 1)
        #expect(start.output.contains("\(broken) line 1, column"))
    }

    @Test func sighupAppliesTheFilesLiveSettingsNamesTheOthersAndKeepsThemWhenTheFileBreaks() async throws {
        let pki = try TestPKI.make()
        let config = pki.path("server.toml")
        let relaxed = """
            max-new-connections-per-minute = 100000
            rate-burst = 100000
            rate-per-second = 100000
            """
        try Self.write("\(relaxed)\nmax-connections-per-ip = 1000\n", to: config)
        let server = try await ServerProcess.start(pki: pki, limits: [], extraArguments: ["--config", config])
        let alice = try await server.login("alice")
        let bob = try await server.login("bob")

        // The command line (ServerProcess's --port 0 and --log-level debug) still wins over the file.
        try Self.write(
            "\(relaxed)\nmax-connections-per-ip = 2\nhistory-days = 7\nidle-timeout = 99\nport = 1\n",
            to: config
        )
        server.process.signal(SIGHUP)
        #expect(await server.process.errorLine { $0.contains("applied history-days, max-connections-per-ip") } != nil)
        #expect(
            await server.process.errorLine { $0.contains("changed settings that need a restart: idle-timeout") } != nil
        )
        // Two connections from 127.0.0.1 are open: a third is refused before TLS, the two carry on.
        let carol = try server.connect()
        #expect(await carol.next(timeout: 5) { $0.hasPrefix("PROMPT") } == nil)
        #expect(await server.process.errorLine { $0.contains("more than 2 connections at once") } != nil)
        alice.send("still here")
        #expect(await bob.next("CHAT ") == "CHAT alice: still here")

        // A broken file: the old settings stay, the limit of 2 among them.
        try Self.write("max-connections-per-ip = \n", to: config)
        server.process.signal(SIGHUP)
        #expect(
            await server.process.errorLine { $0.contains("reload failed, keeping the current settings") } != nil
        )
        let dave = try server.connect()
        #expect(await dave.next(timeout: 5) { $0.hasPrefix("PROMPT") } == nil)
    }

    @Test func theControlSocketAnswersItsOwnerAndNobodyElse() async throws {
        let pki = try TestPKI.make()
        let socket = pki.path("control.sock")
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: [
                "--control-socket", socket, "--client-auth", "optional", "--ca", pki.caCertificate, "--crl", pki.crl,
            ]
        )
        var status = stat()
        #expect(lstat(socket, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)

        let alice = try await server.login("alice")
        let bobCertificate = try pki.client("bob")
        let bob = try server.connect(certificate: bobCertificate)
        #expect(await bob.next("WELCOME ") != nil)

        let state = try await Self.ctl(socket, ["status"])
        #expect(state.status == 0, "\(state.output)")
        #expect(state.output.contains("version 0.1.0"))
        #expect(state.output.contains("connections 2 open, 2 logged in"))
        #expect(state.output.contains("users 2 online"))
        #expect(state.output.contains("certificate \(pki.serverCertificate) CN=localhost expires "))
        #expect(state.output.contains("ca \(pki.caCertificate) CN="))
        #expect(state.output.contains("crl \(pki.crl) CN="))
        #expect(state.output.contains("revokes 0, next update "))

        let who = try await Self.ctl(socket, ["who"])
        #expect(who.status == 0)
        let users = who.output.split(separator: "\n")
        #expect(
            users.contains {
                $0.hasPrefix("user alice node=0 ") && $0.contains("address=127.0.0.1:") && $0.hasSuffix(" guest")
            }
        )
        #expect(users.contains { $0.hasPrefix("user bob node=0 ") && $0.hasSuffix(" certificate=CN=bob") })
        #expect(users.contains("users 2"))

        let kick = try await Self.ctl(socket, ["kick", "bob", "please", "read", "the", "rules"])
        #expect(kick.status == 0, "\(kick.output)")
        #expect(
            await bob.next("NOTICE ") == "NOTICE you have been removed by the server's operator: please read the rules"
        )
        #expect(await bob.next("BYE ") != nil)
        #expect(
            await alice.next { $0.hasPrefix("NOTICE bob left") }
                == "NOTICE bob left the conversation (removed by the server's operator)"
        )
        #expect(await bob.waitForExit(timeout: 10) != nil)

        let nobody = try await Self.ctl(socket, ["kick", "bob"])
        #expect(nobody.status == 1)
        #expect(nobody.output.contains("securechat-ctl: bob is not online"))
        let unknown = try await Self.ctl(socket, ["frobnicate"])
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("unknown command 'frobnicate'"))
        // Over 1 KiB, in one read or in several: refused with the reason, and logged, never reset.
        for size in [1500, 3000, 70000] {
            let long = try await Self.ctl(socket, ["kick", "nobody", String(repeating: "y", count: size)])
            #expect(long.status == 1)
            #expect(long.output.contains("securechat-ctl: command too long or not UTF-8"), "\(size): \(long.output)")
        }
        var refusals = 0
        for _ in 0..<500 where refusals < 3 {
            refusals = server.process.errorLines.filter { $0.contains("refused a command over 1 KiB") }.count
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(refusals == 3)

        let reload = try await Self.ctl(socket, ["reload"])
        #expect(reload.status == 0)
        #expect(reload.output.contains("tls reloaded \(pki.serverCertificate)"))

        // Another user: the socket's mode keeps them out; opened up, the server's own check does.
        guard getuid() == 0, getpwnam("nobody") != nil else { return }
        let denied = try await Self.ctl(socket, ["status"], as: "nobody")
        #expect(denied.status == 1)
        #expect(denied.output.contains("Permission denied"))
        #expect(chmod(socket, 0o666) == 0)
        let refused = try await Self.ctl(socket, ["status"], as: "nobody")
        #expect(refused.status == 1)
        #expect(!refused.output.contains("version"))
        #expect(await server.process.errorLine { $0.contains("control socket: refused a connection from uid") } != nil)
        #expect(try await Self.ctl(socket, ["status"]).status == 0)
    }

    @Test func aLeftoverSocketIsReplacedAndALiveOneRefused() async throws {
        let pki = try TestPKI.make()
        let socket = pki.path("control.sock")
        let first = try await ServerProcess.start(pki: pki, extraArguments: ["--control-socket", socket])
        // A second server on the same socket does not take it from the first.
        let second = try await SetupTests.run(
            ServerProcess.executable("securechat-server"),
            [
                "--port", "0", "--cert", pki.serverCertificate, "--key", pki.serverKey, "--database",
                pki.path("second.sqlite"), "--control-socket", socket,
            ]
        )
        #expect(second.status == 1)
        #expect(second.output.contains("another server answers on the control socket"))
        #expect(try await Self.ctl(socket, ["status"]).status == 0)

        // killed: the socket file stays behind, and the next server takes it over.
        first.process.signal(SIGKILL)
        _ = await first.process.waitForExit()
        #expect(FileManager.default.fileExists(atPath: socket))
        let third = try await ServerProcess.start(pki: pki, extraArguments: ["--control-socket", socket])
        #expect(try await Self.ctl(socket, ["status"]).status == 0)
        third.process.signal(SIGTERM)
        _ = await third.process.waitForExit()
        #expect(!FileManager.default.fileExists(atPath: socket))
    }

    @Test func jsonLogsAreOneObjectPerLineWithTheConnectionsFields() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--log-format", "json"])
        let alice = try await server.login("alice")
        alice.send("tata")
        #expect(await alice.next("BYE ") != nil)
        let logout = await server.process.errorLine { $0.contains("\"event\":\"logout\"") }
        #expect(logout != nil)
        var login: [String: String]?
        for line in server.process.errorLines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(object != nil, "not a JSON object of strings: \(line)")
            #expect(object?["time"] != nil && object?["level"] != nil && object?["message"] != nil)
            if object?["event"] == "login" { login = object }
        }
        #expect(login?["user"] == "alice")
        #expect(login?["conn"]?.hasPrefix("#") == true)
        #expect(login?["peer"]?.contains("127.0.0.1") == true)
        #expect(login?["message"]?.contains("connected [ alice ]") == true)
    }

    @Test func systemdHearsReadyReloadingAndStopping() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "notify-\(UUID().uuidString.prefix(8))"
        )
        .path
        let receiver = try NotifyReceiver(path: path)
        let server = try await ServerProcess.start(environment: ["NOTIFY_SOCKET": path])
        #expect(await receiver.receive()?.hasPrefix("READY=1\nSTATUS=listening on 127.0.0.1:\(server.port)") == true)
        server.process.signal(SIGHUP)
        #expect(await receiver.receive()?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true)
        #expect(await receiver.receive()?.hasPrefix("READY=1") == true)
        server.process.signal(SIGTERM)
        #expect(await receiver.receive() == "STOPPING=1")
        #expect(await server.process.waitForExit() == 0)
    }
}

/// The datagram socket systemd gives a `Type=notify` service as `$NOTIFY_SOCKET`.
private final class NotifyReceiver: @unchecked Sendable {
    private let descriptor: Int32
    private let path: String

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// The next datagram, or nil after 30 s without one; polls, so no thread of the test's pool waits in `recv`.
    func receive() async -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return String(decoding: buffer.prefix(count), as: UTF8.self) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

/// `--metrics-listen`: what a Prometheus scrape sees after real traffic.
@Suite(.timeLimit(.minutes(3)))
struct MetricsTests {
    /// The body of an HTTP GET on loopback `port`, and its status line.
    private static func get(_ path: String, port: Int) throws -> (status: String, body: String) {
        let socket = try RawSocket(port: port)
        socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let response = String(decoding: socket.readUntilClosed(timeout: 10).bytes, as: UTF8.self)
        let parts = response.components(separatedBy: "\r\n\r\n")
        return (parts[0].components(separatedBy: "\r\n")[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// The samples of a scrape: `name{labels}` to value.
    private static func scrape(port: Int) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in try get("/metrics", port: port).body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    @Test func aScrapeCountsWhatHappened() async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: [
                "--metrics-listen", "127.0.0.1:0", "--client-auth", "optional", "--ca", pki.caCertificate,
            ]
        )
        guard let line = await server.process.errorLine(where: { $0.contains("metrics: http://127.0.0.1:") }),
            let match = line.firstMatch(of: /127\.0\.0\.1:([0-9]+)\/metrics/), let port = Int(match.output.1)
        else {
            Issue.record("no metrics address in the log")
            return
        }
        let before = try Self.scrape(port: port)
        #expect(before["securechat_build_info{version=\"0.1.0\"}"] == 1)
        #expect(before["securechat_logins_total{kind=\"guest\"}"] == 0)

        try await server.register("dave", password: "correct-horse-42")
        let alice = try await server.login("alice")
        let bob = try server.connect(certificate: try pki.client("bob"))
        #expect(await bob.next("WELCOME ") != nil)
        let dave = try await server.login("dave", password: "correct-horse-42")
        dave.send("tata")
        #expect(await dave.next("BYE ") != nil)
        // A name that is taken, and a wrong password: two refused logins.
        let taken = try server.connect()
        #expect(await taken.next("PROMPT ") != nil)
        taken.send("alice")
        #expect(await taken.next("ERROR name-taken") != nil)
        let wrong = try server.connect()
        #expect(await wrong.next("PROMPT ") != nil)
        wrong.send("dave")
        #expect(await wrong.next("PROMPT ") != nil)
        wrong.send("not the password")
        #expect(await wrong.next("ERROR bad-password") != nil)
        // Chat, a private message delivered, one queued for offline dave, a broadcast.
        alice.send("hello room")
        #expect(await bob.next("CHAT ") == "CHAT alice: hello room")
        alice.send("send bob hi bob")
        #expect(await alice.next("OK ") != nil)
        bob.send("send dave see you later")
        #expect(await bob.next("OK ")?.hasPrefix("OK queued for dave") == true)
        alice.send("broadcast message everyone")
        #expect(await alice.next("OK broadcast") != nil)
        // Not TLS at all.
        let garbage = try RawSocket(port: server.port)
        garbage.send("GET / HTTP/1.0\r\n\r\n")
        _ = garbage.readUntilClosed(timeout: 10)
        server.process.signal(SIGHUP)
        #expect(await server.process.errorLine { $0.contains("reloaded TLS files") } != nil)

        let after = try Self.scrape(port: port)
        #expect(after["securechat_logins_total{kind=\"guest\"}"] == 2)  // dave to register, and alice
        #expect(after["securechat_logins_total{kind=\"certificate\"}"] == 1)
        #expect(after["securechat_logins_total{kind=\"password\"}"] == 1)
        #expect(after["securechat_login_refusals_total{code=\"name-taken\"}"] == 1)
        #expect(after["securechat_login_refusals_total{code=\"bad-password\"}"] == 1)
        #expect(after["securechat_messages_total{kind=\"chat\"}"] == 1)
        #expect(after["securechat_messages_total{kind=\"private\"}"] == 2)
        #expect(after["securechat_messages_total{kind=\"broadcast\"}"] == 1)
        #expect(after["securechat_offline_queued_total"] == 1)
        #expect((after["securechat_deliveries_total"] ?? 0) >= 4)
        #expect((after["securechat_lines_received_total"] ?? 0) >= 12)
        #expect(after["securechat_tls_handshakes_total{result=\"failed\",reason=\"not-tls\"}"] == 1)
        #expect((after["securechat_tls_handshakes_total{result=\"ok\"}"] ?? 0) >= 6)
        #expect(after["securechat_connections_open"] == 4)  // alice, bob, taken, wrong
        #expect(after["securechat_certificate_reloads_total{result=\"ok\"}"] == 1)
        #expect((after["securechat_store_commit_seconds_count{store=\"sqlite\"}"] ?? 0) >= 1)
        #expect(after["securechat_slow_reader_drops_total"] == 0)
        #expect(after["securechat_rate_limited_lines_total"] == 0)

        #expect(try Self.get("/", port: port).status.hasSuffix("404 Not Found"))
        #expect(try Self.get("/metrics", port: port).status.hasSuffix("200 OK"))
    }

    @Test func metricsAreOffUnlessAsked() async throws {
        let server = try await ServerProcess.start()
        _ = try await server.login("alice")
        #expect(!server.process.errorLines.contains { $0.contains("metrics: http") })
    }
}

/// The files in contrib/ that an operator installs.
@Suite struct ContribTests {
    private static let contrib = SetupTests.packageRoot.appendingPathComponent("contrib")

    @Test func theExampleConfigurationNamesEverySettingAndChecksOut() async throws {
        let example = Self.contrib.appendingPathComponent("securechat.toml").path
        let text = try String(contentsOfFile: example, encoding: .utf8)
        let help = try await SetupTests.run(ServerProcess.executable("securechat-server"), ["--help"]).output
        let settings = help.matches(of: /--([a-z][a-z-]*)/).map { String($0.output.1) }
            .filter { !["help", "version", "config", "check-config", "no-cluster"].contains($0) }
        #expect(settings.count > 20)
        for setting in Set(settings) {
            #expect(
                text.contains("\n\(setting) = ") || text.contains("\n# \(setting) = "),
                "\(setting) is not in the example"
            )
        }
        // Its settings are valid; only the files it names (in /etc/securechat) are missing here.
        let check = try await SetupTests.run(
            ServerProcess.executable("securechat-server"),
            ["--config", example, "--check-config"]
        )
        let problems = check.output.split(separator: "\n")
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { $0.hasPrefix("securechat-server: tls: ") }, "\(check.output)")
    }

    @Test(SystemPackage.systemdAnalyze.required)
    func systemdAcceptsTheUnit() async throws {
        let unit = try String(contentsOf: Self.contrib.appendingPathComponent("securechat.service"), encoding: .utf8)
        #expect(unit.contains("Type=notify"))
        // verify wants the binary the unit starts to exist.
        let local = unit.replacingOccurrences(
            of: "/usr/local/bin/securechat-server",
            with: ServerProcess.executable("securechat-server")
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("securechat.service").path
        try local.write(toFile: path, atomically: true, encoding: .utf8)
        let analyze = SystemPackage.systemdAnalyze.executable ?? "systemd-analyze"
        let verify = try await SetupTests.run(analyze, ["verify", path])
        #expect(verify.status == 0)
        #expect(verify.output.isEmpty, "\(verify.output)")
        let security = try await SetupTests.run(analyze, ["security", "--offline=yes", path])
        let exposure = security.output.firstMatch(of: /Overall exposure level for securechat.service: ([0-9.]+)/)
        #expect(Double(exposure.map { String($0.output.1) } ?? "") ?? 10 < 2, "\(security.output)")
    }
}

/// Found by an adversarial review of issue 19: what held a metrics port or lost a reload.
@Suite(.timeLimit(.minutes(2)))
struct OperatorReviewTests {
    @Test func idleMetricsConnectionsAreCappedAndTimedOut() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--metrics-listen", "127.0.0.1:0"])
        guard let line = await server.process.errorLine(where: { $0.contains("metrics: http://127.0.0.1:") }),
            let match = line.firstMatch(of: /127\.0\.0\.1:([0-9]+)\/metrics/), let port = Int(match.output.1)
        else {
            Issue.record("no metrics address in the log")
            return
        }
        let idle = try (0..<16).map { _ in try RawSocket(port: port) }
        try await Task.sleep(for: .milliseconds(300))
        // One more is closed at once.
        let extra = try RawSocket(port: port)
        #expect(extra.readUntilClosed(timeout: 3).closed)
        // The idle ones are closed after the timeout, and scraping works again.
        #expect(idle[0].readUntilClosed(timeout: 15).closed)
        let scraper = try RawSocket(port: port)
        scraper.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let answer = String(decoding: scraper.readUntilClosed(timeout: 10).bytes, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
        _ = try await server.login("alice")
    }

    @Test func aSighupDuringAReloadIsNotLost() async throws {
        let pki = try TestPKI.make()
        let config = pki.path("server.toml")
        let relaxed = "max-new-connections-per-minute = 100000\nrate-burst = 100000\nrate-per-second = 100000\n"
        try (relaxed + "max-connections-per-ip = 1000\n").write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(pki: pki, limits: [], extraArguments: ["--config", config])
        try (relaxed + "max-connections-per-ip = 2\n").write(toFile: config, atomically: true, encoding: .utf8)
        server.process.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(5))
        try (relaxed + "max-connections-per-ip = 3\n").write(toFile: config, atomically: true, encoding: .utf8)
        server.process.signal(SIGHUP)
        // Whether the second signal came during the first reload, after it, or was merged with it (a signal source
        // coalesces), the file's last word must hold; there is no count of reloads to wait for, so first the one
        // reload that surely happens, then time for a second.
        #expect(await server.process.errorLine { $0.contains("reloaded TLS files") } != nil)
        try await Task.sleep(for: .seconds(2))
        var clients: [LineProcess] = []
        for name in ["a1", "a2", "a3"] { clients.append(try await server.login(name)) }
        let fourth = try server.connect()
        #expect(await fourth.next(timeout: 5) { $0.hasPrefix("PROMPT") } == nil)
        #expect(await server.process.errorLine { $0.contains("more than 3 connections at once") } != nil)
    }
}
