import ArgumentParser
import Foundation
import NIOCore

/// `idle`: logs in N connections and holds them open, to measure the server's memory per idle connection.
struct IdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract:
            "N logged-in connections held open: with --server-pid, server RSS before and after, KiB per connection."
    )

    @OptionGroup var options: BenchOptions

    @Option(name: .customShort("n"), help: ArgumentHelp("Connections to hold open.", valueName: "N"))
    var connections: Int = 1000

    @Option(name: .customShort("c"), help: ArgumentHelp("Connections logging in at once.", valueName: "C"))
    var concurrency: Int = 50

    @Option(
        help: ArgumentHelp("Seconds to hold the connections after the server has gone quiet.", valueName: "seconds")
    )
    var hold: Double = 2

    func validate() throws {
        guard connections >= 1, concurrency >= 1 else { throw ValidationError("Please give -n and -c of at least 1.") }
    }

    func run() async throws {
        try await options.withConnector(measure)
    }

    private func measure(_ connector: BenchConnector) async throws {
        let before = try options.serverPid.map { try ServerStats.sample(pid: $0) }
        let prefix = RunID.make()
        let total = connections
        let opened = ConnectionList()
        let progress = ProgressLine("idle")
        let ticker = progress.every(2) { "\(opened.count)/\(total) logged in" }
        let start = MonotonicClock.micros()
        try await WorkCounter(total: total).run(concurrency: concurrency) { index in
            // IRC connections register without joining the channel (IRCTranslator says why).
            let connection = try await connector.connect(name: "\(prefix)i\(index)", joinsRoom: options.peer != .irc)
            opened.append(connection)
        }
        let loginSeconds = MonotonicClock.seconds(since: start)
        ticker.cancel()
        progress.update(
            "\(total) logged in after \(ReportTable.format(loginSeconds)) s; waiting for the server to go quiet"
        )
        if let pid = options.serverPid { try await ServerQuiet.wait(pid: pid) }
        try await Task.sleep(for: .milliseconds(Int(hold * 1000)))
        let after = try options.serverPid.map { try ServerStats.sample(pid: $0) }
        let connections = opened.all
        let stillOpen = connections.filter(\.channel.isActive).count
        progress.update("closing")
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.close() } }
        }
        progress.finish()

        var report = BenchReport(
            mode: "idle",
            label: options.label,
            parameters: ["connections": "\(total)", "concurrency": "\(concurrency)"]
        )
        report.add("connections", "connections logged in", Double(connections.count))
        report.add("still_open", "still open at the end", Double(stillOpen))
        report.add("logins_per_second", "logins/s", Double(connections.count) / loginSeconds, "1/s")
        if let before, let after {
            report.add("rss_before_kib", "server RSS before", Double(before.residentKiB), "KiB")
            report.add("rss_after_kib", "server RSS with connections", Double(after.residentKiB), "KiB")
            report.add(
                "kib_per_connection",
                "RSS per idle connection",
                Double(after.residentKiB - before.residentKiB) / Double(total),
                "KiB"
            )
            report.add(
                "server_cpu_us_per_login",
                "server CPU per connection+login",
                (after.cpuSeconds - before.cpuSeconds) * 1e6 / Double(total),
                "µs"
            )
        }
        try options.publish(report)
    }
}

/// Waits until the server's CPU use has dropped to almost nothing (it has finished sending queued notices).
enum ServerQuiet {
    static func wait(pid: Int32, timeout: Double = 60) async throws {
        let deadline = MonotonicClock.micros() + UInt64(timeout * 1e6)
        var last = try ServerStats.cpuSeconds(pid: pid)
        while MonotonicClock.micros() < deadline {
            try await Task.sleep(for: .milliseconds(500))
            let now = try ServerStats.cpuSeconds(pid: pid)
            defer { last = now }
            if now - last <= 0.02 { return }
        }
    }
}

/// A short random prefix so names from one run never clash with those of another on the same server.
enum RunID {
    static func make() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return "b" + String((0..<5).map { _ in letters.randomElement()! })
    }
}
