import ArgumentParser
import ChatCore
import Foundation
import Logging
import SecureChatStore

/// `store`: the message store alone, in this process: acknowledged (durably committed) private messages per second
/// and the CPU each costs, without TLS, sockets or sessions. It is the floor under `offline`: what SQLite, GRDB and
/// the group commit cost on this machine.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "The message store in memory of this process (no server): durable appends/s and CPU per message.",
        discussion: """
            Opens a new SQLite store in a temporary directory (or --database: a new file, or an empty PostgreSQL \
            database as a postgres:// URL), then --writers tasks append private messages to offline recipients, \
            each --batch messages per append (as a session stores the `send`s it read together), every append \
            waiting for its durable commit. Reports this process's CPU per message (every thread: the writers, \
            GRDB's queue and SQLite, or PostgresNIO's; PostgreSQL's own processes are not counted). Compare with \
            `offline` against the real server.
            """
    )

    @Option(name: .customShort("k"), help: ArgumentHelp("Messages in all.", valueName: "K"))
    var messages: Int = 100_000

    @Option(help: ArgumentHelp("Concurrent appending tasks (the server's sessions).", valueName: "n"))
    var writers: Int = 200

    @Option(help: ArgumentHelp("Messages per append.", valueName: "n"))
    var batch: Int = 1

    @Option(help: ArgumentHelp("Registered recipients.", valueName: "n"))
    var recipients: Int = 20

    @Option(name: .customShort("s"), help: ArgumentHelp("Bytes of text per message.", valueName: "S"))
    var size: Int = 100

    @Option(
        help: ArgumentHelp(
            "A new database file, or an empty PostgreSQL database's postgres:// URL (default: a new SQLite file in a "
                + "temporary directory).",
            valueName: "file-or-url"
        )
    )
    var database: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard messages >= 1, writers >= 1, batch >= 1, recipients >= 1, size >= 1 else {
            throw ValidationError("Please give -k, --writers, --batch, --recipients and -s of at least 1.")
        }
        if let database, !PostgresStoreConfiguration.isPostgresURL(database),
            FileManager.default.fileExists(atPath: database)
        {
            throw ValidationError("--database \(database) exists: give a new file (its counts start from empty).")
        }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securechat-bench-\(getpid())")
        let path = database ?? directory.appendingPathComponent("store.sqlite").path
        defer { if database == nil { try? FileManager.default.removeItem(at: directory) } }
        let store: any MessageStore
        if PostgresStoreConfiguration.isPostgresURL(path) {
            let configuration = try PostgresStoreConfiguration(
                url: path,
                environment: ProcessInfo.processInfo.environment
            )
            store = try await PostgresMessageStore.connect(configuration, logger: Logger(label: "securechat-bench"))
        } else {
            store = try SQLiteMessageStore(path: path)
        }
        do {
            try await measure(store)
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Appends every message, counts the inboxes, closes the store and publishes the report.
    private func measure(_ store: any MessageStore) async throws {
        let progress = ProgressLine("store")

        let names = (0..<recipients).map { "storebench\($0)" }
        for name in names {
            try await store.createIdentity(
                StoredIdentity(key: name, displayName: name, kind: .password(hash: "-"), createdAt: Date())
            )
        }
        let text = String(repeating: "m", count: size)
        let work = WorkCounter(total: messages)
        let batch = self.batch
        let ticker = progress.every(2) { "\(work.claimed)/\(messages) appended" }
        let cpuBefore = ServerStats.ownCPUSeconds()
        let start = MonotonicClock.micros()
        let stored = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                let sender = "Writer\(writer)"
                group.addTask {
                    var stored = 0
                    var pending: [NewMessage] = []
                    while true {
                        pending.removeAll(keepingCapacity: true)
                        while pending.count < batch, let index = work.claim() {
                            let recipient = names[index % names.count]
                            pending.append(
                                NewMessage(
                                    at: Date(),
                                    senderKey: nil,
                                    senderName: sender,
                                    audience: .direct(
                                        recipients: [RecipientEntry(key: recipient, name: recipient, state: .unread)]
                                    ),
                                    text: text
                                )
                            )
                        }
                        if pending.isEmpty { return stored }
                        stored += try await store.append(contentsOf: pending).count
                    }
                }
            }
            var total = 0
            for try await stored in group { total += stored }
            return total
        }
        let seconds = MonotonicClock.seconds(since: start)
        let cpuSeconds = ServerStats.ownCPUSeconds() - cpuBefore
        ticker.cancel()
        var unread = 0
        for name in names { unread += try await store.unreadCount(for: name) }
        try await store.close()
        progress.finish()

        var report = BenchReport(
            mode: "store",
            label: output.label,
            parameters: [
                "messages": "\(messages)", "writers": "\(writers)", "batch": "\(batch)",
                "recipients": "\(recipients)", "size": "\(size)",
            ]
        )
        report.add("acknowledged", "messages stored (durably committed)", Double(stored))
        report.add("unread_missing", "stored but not unread in an inbox", Double(stored - unread))
        report.add("acknowledged_per_second", "stored messages/s", Double(stored) / seconds, "1/s")
        report.add(
            "cpu_us_per_message",
            "CPU per stored message (this process)",
            cpuSeconds * 1e6 / Double(max(1, stored)),
            "µs"
        )
        try output.publish(report)
    }
}
