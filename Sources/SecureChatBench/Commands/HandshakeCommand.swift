import ArgumentParser
import NIOConcurrencyHelpers
import NIOCore
import SecureChatTLS

/// `handshake`: opens M connections, C at a time; each does TCP connect + TLS handshake and closes. With `--resume`
/// each offers the newest session ticket the server sent (abbreviated handshakes).
struct HandshakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract:
            "TLS handshakes (full, or resumed with --resume): handshakes per second, latency, failures, server CPU per handshake."
    )

    @OptionGroup var options: BenchOptions

    @Option(name: .customShort("m"), help: ArgumentHelp("Connections in all.", valueName: "M"))
    var connections: Int = 2000

    @Option(name: .customShort("c"), help: ArgumentHelp("Connections handshaking at once.", valueName: "C"))
    var concurrency: Int = 50

    @Flag(
        help: ArgumentHelp(
            "Resume sessions: C warm-up connections get a ticket each; then each connection offers a ticket "
                + "(each once) and waits for the server's prompt (its own new ticket comes before it) before it closes."
        )
    )
    var resume = false

    func validate() throws {
        guard connections >= 1, concurrency >= 1 else {
            throw ValidationError("Please give -m and -c of at least 1.")
        }
        if resume, options.peer != .securechat {
            // A resumed handshake waits for the server's first prompt, which comes after its session ticket; the
            // other servers send no prompt.
            throw ValidationError("--resume works with --peer securechat only.")
        }
    }

    private struct Tally {
        var succeeded = 0
        var resumed = 0
        var failed = 0
        var firstError: String?
        var latencies = LatencyHistogram()
    }

    func run() async throws {
        try await options.withConnector(resumingSessions: resume, measure)
    }

    private func measure(_ connector: BenchConnector) async throws {
        let total = connections
        let tally = NIOLockedValueBox(Tally())
        let progress = ProgressLine("handshake")
        let ticker = progress.every(2) {
            let now = tally.withLockedValue { $0 }
            return "\(now.succeeded)/\(total) done, \(now.failed) failed"
        }
        if resume {
            // One ticket per connection that will be open at once: each ticket is offered once.
            try await WorkCounter(total: concurrency).run(concurrency: concurrency) { _ in
                try await connector.connect(name: nil, untilPrompt: true).close()
            }
        }
        let cpu = try ServerCPUWindow(pids: options.serverPids)
        let start = MonotonicClock.micros()
        try await WorkCounter(total: total).run(concurrency: concurrency) { _ in
            let began = MonotonicClock.micros()
            do {
                let connection = try await connector.connect(name: nil, untilPrompt: resume)
                let elapsed = MonotonicClock.micros() - began
                tally.withLockedValue {
                    $0.succeeded += 1
                    if connection.session?.resumed == true { $0.resumed += 1 }
                    $0.latencies.record(micros: elapsed)
                }
                await connection.close()
            } catch {
                tally.withLockedValue {
                    $0.failed += 1
                    if $0.firstError == nil { $0.firstError = "\(error)" }
                }
            }
        }
        let seconds = MonotonicClock.seconds(since: start)
        let serverCPU = try cpu.cpuSecondsSoFar()
        let generatorCPU = cpu.generatorCPUSecondsSoFar()
        ticker.cancel()
        progress.finish()
        let result = tally.withLockedValue { $0 }

        var report = BenchReport(
            mode: "handshake",
            label: options.label,
            parameters: [
                "connections": "\(connections)", "concurrency": "\(concurrency)", "resume": "\(resume)",
            ]
        )
        report.add("handshakes", "handshakes completed", Double(result.succeeded))
        report.add("resumed", "of them resumed", Double(result.resumed))
        report.add("failures", "failures", Double(result.failed))
        report.add("handshakes_per_second", "handshakes/s", Double(result.succeeded) / seconds, "1/s")
        report.addLatencies("handshake", "handshake latency", result.latencies, extended: false)
        report.addServerCPU(serverCPU, seconds: seconds, units: result.succeeded, unit: "handshake")
        report.addGeneratorCPU(generatorCPU, units: result.succeeded, unit: "handshake")
        try options.publish(report)
        if let firstError = result.firstError {
            print("  first failure: \(firstError)")
        }
    }
}
