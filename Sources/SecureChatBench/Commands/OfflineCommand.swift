import ArgumentParser
import NIOConcurrencyHelpers
import NIOCore

/// `offline`: private messages to registered users who are offline, then those users read their inboxes.
struct OfflineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offline",
        abstract:
            "Messages to offline registered users: acknowledged (durably stored) messages/s, then inbox read rate.",
        discussion: """
            Sets up --recipients registered names (guest, `register`, `tata`), then --senders guest connections send \
            the messages with `send`, each keeping --pipeline commands outstanding. `OK queued` comes only after a \
            durable commit; the server commits appends from different sessions together. Finally every recipient \
            logs in with its password and calls `inbox` until it is empty.
            """
    )

    @OptionGroup var options: BenchOptions

    @Option(name: .customShort("k"), help: ArgumentHelp("Messages in all.", valueName: "K"))
    var messages: Int = 10_000

    @Option(help: ArgumentHelp("Sending connections.", valueName: "n"))
    var senders: Int = 200

    @Option(help: ArgumentHelp("Registered, offline recipients.", valueName: "n"))
    var recipients: Int = 20

    @Option(help: ArgumentHelp("Commands each sender keeps outstanding.", valueName: "n"))
    var pipeline: Int = 4

    @Option(name: .customShort("s"), help: ArgumentHelp("Bytes of text per message.", valueName: "S"))
    var size: Int = 100

    @Option(name: .customShort("c"), help: ArgumentHelp("Connections logging in at once.", valueName: "C"))
    var concurrency: Int = 50

    static let password = "bench-password-1"

    func validate() throws {
        guard messages >= 1, senders >= 1, recipients >= 1, pipeline >= 1, size >= 1 else {
            throw ValidationError("Please give -k, --senders, --recipients, --pipeline and -s of at least 1.")
        }
        guard options.peer == .securechat else {
            throw ValidationError("offline needs SecureChat's send and inbox commands: --peer securechat only.")
        }
    }

    func run() async throws {
        try await options.withConnector(measure)
    }

    private func measure(_ connector: BenchConnector) async throws {
        let prefix = RunID.make()
        let progress = ProgressLine("offline")
        let names = (0..<recipients).map { "\(prefix)o\($0)" }

        progress.update("registering \(recipients) recipients")
        try await WorkCounter(total: recipients).run(concurrency: concurrency) { index in
            let connection = try await connector.connect(name: names[index])
            let answer = try await connection.command("register \(Self.password)")
            guard answer.isOK else { throw BenchFailure("register \(names[index]): \(answer.final)") }
            _ = try await connection.command("tata")
            await connection.close()
        }
        progress.update("logging in \(senders) senders")
        let sending = ConnectionList()
        try await WorkCounter(total: senders).run(concurrency: concurrency) { index in
            sending.append(try await connector.connect(name: "\(prefix)w\(index)"))
        }

        let (acknowledged, failures, sendSeconds, sendCPU) = try await sendAll(
            from: sending.all,
            to: names,
            progress: progress
        )
        for connection in sending.all { connection.channel.close(promise: nil) }

        progress.update("reading \(recipients) inboxes")
        let (read, readSeconds, readCPU) = try await readInboxes(names, connector: connector)
        progress.finish()

        var report = BenchReport(
            mode: "offline",
            label: options.label,
            parameters: [
                "messages": "\(messages)", "senders": "\(senders)", "recipients": "\(recipients)",
                "pipeline": "\(pipeline)", "size": "\(size)",
            ]
        )
        report.add("acknowledged", "messages acknowledged (stored)", Double(acknowledged))
        report.add("failed", "messages refused", Double(failures.count))
        report.add("acknowledged_per_second", "acknowledged messages/s", Double(acknowledged) / sendSeconds, "1/s")
        report.add(
            "server_cpu_us_per_message",
            "server CPU per stored message",
            sendCPU.map { $0 * 1e6 / Double(max(1, acknowledged)) },
            "µs"
        )
        report.add("inbox_read", "inbox messages read", Double(read))
        report.add("inbox_missing", "acknowledged but not in an inbox", Double(acknowledged - read))
        report.add("inbox_per_second", "inbox messages read/s", Double(read) / readSeconds, "1/s")
        report.add(
            "server_cpu_us_per_inbox_message",
            "server CPU per inbox message",
            readCPU.map { $0 * 1e6 / Double(max(1, read)) },
            "µs"
        )
        try options.publish(report)
        if let first = failures.first { print("  first refusal: \(first)") }
    }

    /// Sends every message; returns how many were acknowledged, the refusals, the time and the server's CPU.
    private func sendAll(
        from connections: [BenchConnection],
        to names: [String],
        progress: ProgressLine
    ) async throws -> (Int, [String], Double, Double?) {
        let text = String(repeating: "m", count: size)
        let work = WorkCounter(total: messages)
        let ticker = progress.every(2) { "\(work.claimed)/\(messages) sent" }
        let cpu = try ServerCPUWindow(pids: options.serverPids)
        let start = MonotonicClock.micros()
        let runs = connections.map { connection in
            OfflineSender(connection: connection, work: work, names: names, text: text, depth: pipeline).run()
        }
        var outcome = OfflineSender.Outcome()
        for run in runs {
            let part = try await run.get()
            outcome.acknowledged += part.acknowledged
            outcome.failures += part.failures
        }
        let seconds = MonotonicClock.seconds(since: start)
        let serverCPU = try cpu.cpuSecondsSoFar()
        ticker.cancel()
        return (outcome.acknowledged, outcome.failures, seconds, serverCPU)
    }

    /// Logs every recipient in and empties its inbox (at most 200 messages per `inbox` call).
    private func readInboxes(
        _ names: [String],
        connector: BenchConnector
    ) async throws -> (Int, Double, Double?) {
        let readers = ConnectionList()
        try await WorkCounter(total: names.count).run(concurrency: concurrency) { index in
            readers.append(try await connector.connect(name: names[index], password: Self.password))
        }
        let read = NIOLockedValueBox(0)
        let cpu = try ServerCPUWindow(pids: options.serverPids)
        let start = MonotonicClock.micros()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for reader in readers.all {
                group.addTask {
                    while true {
                        let answer = try await reader.command("inbox")
                        guard answer.isOK else { throw BenchFailure("inbox: \(answer.final)") }
                        guard answer.dataLines > 0 else { break }
                        read.withLockedValue { $0 += answer.dataLines }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = MonotonicClock.seconds(since: start)
        let serverCPU = try cpu.cpuSecondsSoFar()
        for reader in readers.all { await reader.close() }
        return (read.withLockedValue { $0 }, seconds, serverCPU)
    }
}
