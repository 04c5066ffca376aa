import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One reading of the server process: CPU time used so far and resident memory, from /proc.
struct ServerSample: Sendable {
    /// utime + stime, in seconds (clock-tick resolution).
    var cpuSeconds: Double
    /// VmRSS in KiB.
    var residentKiB: Int
}

/// Reads /proc/PID/stat (utime + stime, in clock ticks of `sysconf(_SC_CLK_TCK)`) and /proc/PID/status (VmRSS).
enum ServerStats {
    struct ReadFailure: Error, CustomStringConvertible {
        let pid: Int32
        let file: String
        var description: String { "cannot read /proc/\(pid)/\(file): is the server running with that pid?" }
    }

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func sample(pid: Int32) throws -> ServerSample {
        ServerSample(cpuSeconds: try cpuSeconds(pid: pid), residentKiB: try residentKiB(pid: pid))
    }

    /// Fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name (which may hold spaces).
    static func cpuSeconds(pid: Int32) throws -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { throw ReadFailure(pid: pid, file: "stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw ReadFailure(pid: pid, file: "stat")
        }
        return (user + system) / ticksPerSecond
    }

    /// CPU time (user + system) of this process, the load generator, in seconds.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func residentKiB(pid: Int32) throws -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { throw ReadFailure(pid: pid, file: "status") }
        return value
    }
}

/// CPU used by the server between `start` and a later reading (nothing when no pid was given), and by this
/// process, the load generator, over the same window.
struct ServerCPUWindow: Sendable {
    /// The server's processes (a cluster's nodes), whose CPU is added up.
    let pids: [Int32]
    let start: Double?
    let generatorStart: Double

    init(pids: [Int32]) throws {
        self.pids = pids
        self.start = pids.isEmpty ? nil : try pids.reduce(0) { $0 + (try ServerStats.cpuSeconds(pid: $1)) }
        self.generatorStart = ServerStats.ownCPUSeconds()
    }

    /// Seconds of the load generator's own CPU since `start`: on a shared machine, what it took from the server.
    func generatorCPUSecondsSoFar() -> Double {
        ServerStats.ownCPUSeconds() - generatorStart
    }

    /// Seconds of server CPU since `start`, or nil without a pid.
    func cpuSecondsSoFar() throws -> Double? {
        guard let start else { return nil }
        return try pids.reduce(0) { $0 + (try ServerStats.cpuSeconds(pid: $1)) } - start
    }
}
