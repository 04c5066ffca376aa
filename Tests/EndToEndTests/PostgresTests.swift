import Foundation
import PostgresTestSupport
import Testing

/// The server on PostgreSQL (`--database postgres://…`), beyond the scenarios every database runs
/// (``TestDatabase``): start-up refusals said in one line, and a database that goes away under a running server.
@Suite(.timeLimit(.minutes(3)), TestPostgres.required)
struct PostgresTests {
    /// Starts a server on `database`, which must refuse to start: returns its exit status and what it logged.
    private static func refusal(of database: String) async throws -> (status: Int32?, log: [String]) {
        let pki = try TestPKI.make()
        let server = try LineProcess(
            name: "server",
            executable: ServerProcess.executable("securechat-server"),
            arguments: ["--port", "0", "--cert", pki.serverCertificate, "--key", pki.serverKey, "--database", database]
        )
        let status = await server.waitForExit(timeout: 30)
        if status == nil { server.signal(SIGKILL) }
        return (status, server.errorLines)
    }

    @Test func aMalformedURLIsRefusedInOneLine() async throws {
        let (status, log) = try await Self.refusal(of: "postgres://securechat@127.0.0.1:notaport/chat")
        #expect(status == 1)
        #expect(log.count == 1, "\(log)")
        #expect(log.first?.contains("port") == true, "\(log)")
    }

    @Test func anUnreachableServerIsRefusedInOneLine() async throws {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let (status, log) = try await Self.refusal(of: "postgres://securechat:pw@127.0.0.1:1/chat")
        #expect(status == 1)
        #expect(log.count == 1, "\(log)")
        #expect(log.first?.contains("127.0.0.1:1") == true, "\(log)")
        #expect(log.first?.contains("pw@") == false, "the password is never logged: \(log)")
    }

    @Test func wrongCredentialsAreRefusedInOneLineWithoutThePassword() async throws {
        let url = try await TestPostgres.newDatabase()
        var components = try #require(URLComponents(string: url))
        components.password = "wrong-secret-123"
        let (status, log) = try await Self.refusal(of: try #require(components.string))
        #expect(status == 1)
        #expect(log.count == 1, "\(log)")
        #expect(log.first?.lowercased().contains("authentication") == true, "\(log)")
        #expect(!log.joined().contains("wrong-secret-123"), "the password is never logged: \(log)")
    }

    @Test func aMissingDatabaseIsRefusedInOneLine() async throws {
        let url = TestPostgres.replacingDatabase(of: try await TestPostgres.newDatabase(), with: "no_such_database")
        let (status, log) = try await Self.refusal(of: url)
        #expect(status == 1)
        #expect(log.count == 1, "\(log)")
        #expect(log.first?.contains("no_such_database") == true, "\(log)")
    }

    /// A database whose schema a newer server has written is left alone.
    @Test func aNewerSchemaIsRefusedInOneLine() async throws {
        let url = try await TestPostgres.newDatabase()
        let first = try await ServerProcess.start(databasePath: url)
        #expect(await first.stop() == 0)
        try TestPostgres.psql(url, "INSERT INTO securechat_schema (version) VALUES (9999)")
        let (status, log) = try await Self.refusal(of: url)
        #expect(status == 1)
        #expect(log.count == 1, "\(log)")
        #expect(log.first?.contains("schema version 9999, newer than this server") == true, "\(log)")
    }

    /// PostgreSQL stops under a running server: what needs it is refused with `ERROR server-error` (nothing is
    /// acknowledged that was not stored), chat between online users goes on, and once PostgreSQL is back the server
    /// uses it again by itself.
    @Test func aDatabaseThatGoesAwayCostsOnlyWhatNeedsIt() async throws {
        let cluster = try await TestPostgres.Cluster.start()
        let server = try await ServerProcess.start(databasePath: cluster.url)
        try await server.register("carol", password: "pass-carol-123")
        // alice is registered, so what she sends is kept for her history: the store is on her every path.
        try await server.register("alice", password: "pass-alice-123")
        let alice = try await server.login("alice", password: "pass-alice-123")
        let bob = try await server.login("bob")
        #expect(await alice.next("NOTICE bob joined") != nil)
        alice.send("send carol before")
        #expect(await alice.answer().last?.hasPrefix("OK queued") == true)

        try await cluster.pause()
        alice.send("send carol during")
        let refused = await alice.answer(timeout: 30)
        #expect(refused.last?.hasPrefix("ERROR server-error ") == true, "\(refused)")
        alice.send("still talking")
        #expect(await bob.next("CHAT ") == "CHAT alice: still talking")
        alice.send("send bob are you there")
        #expect(await alice.answer(timeout: 30).last == "OK delivered to bob", "it reached bob: only history lost it")
        #expect(await bob.next("PRIVATE ") == "PRIVATE alice: are you there")
        bob.send("whoelse")
        #expect(await bob.answer() == ["USER alice", "OK 1 other user online"])

        try await cluster.resume()
        var answer: [String] = []
        for _ in 0..<60 {
            alice.send("send carol after")
            answer = await alice.answer(timeout: 15)
            if answer.last?.hasPrefix("OK queued") == true { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(answer.last?.hasPrefix("OK queued") == true, "\(answer)")
        #expect(server.process.process.isRunning, "the server carried on")

        let carol = try await server.login("carol", password: "pass-carol-123")
        carol.send("inbox")
        let inbox = await carol.answer().filter { $0.hasPrefix("INBOX ") }.map { $0.split(separator: " ").last ?? "" }
        #expect(inbox.first == "before")
        #expect(inbox.contains("after"))
        #expect(!inbox.contains("during"), "refused, so not stored")
    }
}
