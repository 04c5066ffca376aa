import Foundation

/// The result of one benchmark run: what was run, with which parameters, and the figures it produced.
/// Written as JSON by `--json` and read back by `securechat-bench report`.
struct BenchReport: Codable, Sendable {
    struct Metric: Codable, Sendable {
        /// A stable machine name, e.g. `deliveries_per_second`.
        var key: String
        /// What a person reads in the table.
        var label: String
        var value: Double
        var unit: String
    }

    var mode: String
    var label: String
    var parameters: [String: String]
    var metrics: [Metric] = []

    init(mode: String, label: String?, parameters: [String: String]) {
        self.mode = mode
        self.label = label ?? mode
        self.parameters = parameters
    }

    mutating func add(_ key: String, _ label: String, _ value: Double, _ unit: String = "") {
        metrics.append(Metric(key: key, label: label, value: value, unit: unit))
    }

    /// Adds the figure only when it is known (server figures need `--server-pid`).
    mutating func add(_ key: String, _ label: String, _ value: Double?, _ unit: String = "") {
        if let value { add(key, label, value, unit) }
    }

    mutating func addLatencies(_ prefix: String, _ what: String, _ latencies: LatencyHistogram, extended: Bool) {
        add("\(prefix)_p50_ms", "\(what) p50", latencies.milliseconds(at: 50), "ms")
        add("\(prefix)_p99_ms", "\(what) p99", latencies.milliseconds(at: 99), "ms")
        if extended {
            add("\(prefix)_p999_ms", "\(what) p99.9", latencies.milliseconds(at: 99.9), "ms")
            add("\(prefix)_max_ms", "\(what) max", latencies.maxMilliseconds, "ms")
        }
    }

    /// The server's CPU over a measured window of `seconds` wall time: in total, in cores, and per unit of work
    /// (`server_cpu_us_per_<unit>`). Nothing without `--server-pid`.
    mutating func addServerCPU(_ cpu: Double?, seconds: Double, units: Int, unit: String) {
        guard let cpu else { return }
        add("server_cpu_seconds", "server CPU", cpu, "s")
        add("server_cpu_cores", "server CPU / wall time", cpu / seconds, "cores")
        add("server_cpu_us_per_\(unit)", "server CPU per \(unit)", cpu * 1e6 / Double(max(1, units)), "µs")
    }

    /// The load generator's own CPU per unit of work (`generator_cpu_us_per_<unit>`): when it shares the server's
    /// cores, latency depends on it as much as on the server.
    mutating func addGeneratorCPU(_ cpu: Double, units: Int, unit: String) {
        add("generator_cpu_us_per_\(unit)", "load generator CPU per \(unit)", cpu * 1e6 / Double(max(1, units)), "µs")
    }

    func value(_ key: String) -> Double? {
        metrics.first { $0.key == key }?.value
    }

    func write(toJSON path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    static func read(fromJSON path: String) throws -> BenchReport {
        try JSONDecoder().decode(BenchReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
