import ArgumentParser

/// `report`: one summary table from the JSON files of several runs, and how the standard suite compares with the
/// targets in docs/BENCHMARKS.md.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarises JSON results (from --json) in one table, with the targets of the standard suite."
    )

    @Argument(help: ArgumentHelp("JSON files written by --json.", valueName: "file"))
    var files: [String]

    func run() throws {
        let reports = try files.map { try BenchReport.read(fromJSON: $0) }
        print(ReportTable.grid(Self.summaryRows(reports)))
        let targets = Self.targetRows(reports)
        if targets.count > 1 {
            print("")
            print(ReportTable.grid(targets))
        }
    }

    static func summaryRows(_ reports: [BenchReport]) -> [[String]] {
        var rows = [
            [
                "run", "throughput", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost/dup/failed", "server CPU/unit",
                "RSS/conn", "generator CPU/unit",
            ]
        ]
        for report in reports {
            func figure(_ key: String, _ suffix: String = "") -> String {
                report.value(key).map { ReportTable.format($0) + suffix } ?? "-"
            }
            switch report.mode {
            case "handshake":
                rows.append([
                    report.label, figure("handshakes_per_second", " hs/s"), figure("handshake_p50_ms"),
                    figure("handshake_p99_ms"), "-", "-", "-/-/" + figure("failures"),
                    figure("server_cpu_us_per_handshake", " µs/hs"), "-",
                    figure("generator_cpu_us_per_handshake", " µs/hs"),
                ])
            case "idle":
                rows.append([
                    report.label, figure("logins_per_second", " logins/s"), "-", "-", "-", "-",
                    "-/-/" + ReportTable.format((report.value("connections") ?? 0) - (report.value("still_open") ?? 0)),
                    figure("server_cpu_us_per_login", " µs/login"), figure("kib_per_connection", " KiB"), "-",
                ])
            case "fanout":
                rows.append([
                    report.label, figure("deliveries_per_second", " del/s"), figure("latency_p50_ms"),
                    figure("latency_p99_ms"), figure("latency_p999_ms"), figure("latency_max_ms"),
                    figure("lost") + "/" + figure("duplicated") + "/" + figure("refused"),
                    figure("server_cpu_us_per_delivery", " µs/del"), "-",
                    figure("generator_cpu_us_per_delivery", " µs/del"),
                ])
            case "offline":
                rows.append([
                    report.label, figure("acknowledged_per_second", " acked/s"), "-", "-", "-", "-",
                    figure("inbox_missing") + "/-/" + figure("failed"), figure("server_cpu_us_per_message", " µs/msg"),
                    "-", "-",
                ])
                rows.append([
                    report.label + " inbox", figure("inbox_per_second", " read/s"), "-", "-", "-", "-", "-",
                    figure("server_cpu_us_per_inbox_message", " µs/msg"), "-", "-",
                ])
            case "store":
                rows.append([
                    report.label, figure("acknowledged_per_second", " stored/s"), "-", "-", "-", "-",
                    figure("unread_missing") + "/-/-", figure("cpu_us_per_message", " µs/msg (process)"), "-", "-",
                ])
            case "tls":
                rows.append([
                    report.label + " handshake", "in memory", "-", "-", "-", "-", "-",
                    figure("server_cpu_us_per_handshake", " µs/hs"), "-", "-",
                ])
                rows.append([
                    report.label + " record", "in memory", "-", "-", "-", "-", "-",
                    figure("server_cpu_us_per_record", " µs/record"), "-", "-",
                ])
            default:
                rows.append([report.label] + Array(repeating: "-", count: 9))
            }
        }
        return rows
    }

    /// A target of the standard suite (`bench/run.sh` labels): the run, the figure, and the bound.
    struct Target {
        var what: String
        var label: String
        var key: String
        var bound: Double
        var atMost: Bool
        var unit: String
    }

    static let targets = [
        Target(
            what: "CPU per TLS handshake",
            label: "handshake",
            key: "server_cpu_us_per_handshake",
            bound: 160,
            atMost: true,
            unit: "µs"
        ),
        Target(
            what: "CPU per delivery, fan-out to 1000, 16 in flight",
            label: "fanout-1000-closed",
            key: "server_cpu_us_per_delivery",
            bound: 1.0,
            atMost: true,
            unit: "µs"
        ),
        Target(
            what: "CPU per delivery, fan-out to 1000, 128 in flight",
            label: "fanout-1000-deep",
            key: "server_cpu_us_per_delivery",
            bound: 1.0,
            atMost: true,
            unit: "µs"
        ),
        Target(
            what: "RSS per idle connection (5000)",
            label: "idle-5000",
            key: "kib_per_connection",
            bound: 16,
            atMost: true,
            unit: "KiB"
        ),
        Target(
            what: "paced fan-out 1000 at 20k/s, p99",
            label: "fanout-1000-paced",
            key: "latency_p99_ms",
            bound: 5,
            atMost: true,
            unit: "ms"
        ),
        Target(
            what: "acknowledged offline messages/s",
            label: "offline",
            key: "acknowledged_per_second",
            bound: 20_000,
            atMost: false,
            unit: "1/s"
        ),
    ]

    static func targetRows(_ reports: [BenchReport]) -> [[String]] {
        var rows = [["target", "measured", "goal", "met"]]
        for target in targets {
            guard let value = reports.first(where: { $0.label == target.label })?.value(target.key) else { continue }
            let met = target.atMost ? value <= target.bound : value >= target.bound
            rows.append([
                target.what, ReportTable.format(value) + " " + target.unit,
                (target.atMost ? "≤ " : "≥ ") + ReportTable.format(target.bound) + " " + target.unit,
                met ? "yes" : "NO",
            ])
        }
        // Not targets: the same handshake resumed with a ticket, and full without tickets (cheaper, not resumable).
        for (label, what) in [
            ("handshake-no-tickets", "CPU per TLS handshake, full, no tickets"),
            ("handshake-resumed", "CPU per TLS handshake, resumed"),
        ] {
            guard let value = reports.first(where: { $0.label == label })?.value("server_cpu_us_per_handshake") else {
                continue
            }
            rows.insert([what, ReportTable.format(value) + " µs", "(for comparison)", "-"], at: min(2, rows.count))
        }
        if let floor = reports.first(where: { $0.mode == "tls" })?.value("server_cpu_us_per_handshake") {
            // Not a target: what OpenSSL and the TLS handler alone cost per handshake, without sockets (`tls`).
            rows.insert(
                [
                    "CPU per TLS handshake, TLS layer alone in memory", ReportTable.format(floor) + " µs", "(floor)",
                    "-",
                ],
                at: min(2, rows.count)
            )
        }
        if let floor = reports.first(where: { $0.mode == "store" })?.value("acknowledged_per_second"),
            let index = rows.firstIndex(where: { $0[0] == "acknowledged offline messages/s" })
        {
            // Not a target: the message store alone in one process, no TLS, sockets or sessions (`store`).
            rows.insert(
                [
                    "acknowledged messages/s, the store alone in process", ReportTable.format(floor) + " 1/s",
                    "(floor)", "-",
                ],
                at: index + 1
            )
        }
        for (label, key, what) in [
            ("handshake", "handshakes_per_second", "handshakes/s"),
            ("fanout-1000-closed", "deliveries_per_second", "deliveries/s, fan-out 1000"),
        ] {
            let one = reports.first { $0.label == label + "-1thread" }?.value(key)
            let two = reports.first { $0.label == label }?.value(key)
            guard let one, let two, one > 0 else { continue }
            rows.append([
                "\(what): --threads 1 → 2",
                "\(ReportTable.format(one)) → \(ReportTable.format(two)) (×\(ReportTable.format(two / one)))",
                "grows", two > one * 1.1 ? "yes" : "NO",
            ])
        }
        return rows
    }
}
