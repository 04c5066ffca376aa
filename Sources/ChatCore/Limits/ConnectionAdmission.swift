/// Decides, before any TLS work, whether a new TCP connection may stay: a total cap, a cap per address block
/// (IPv4 /32, IPv6 /64) and a cap on new connections per address block per minute. Pure: `now` is passed in.
public struct ConnectionAdmission: Sendable {
    /// Limits, with the defaults documented in the README.
    public struct Limits: Sendable, Equatable {
        /// Connections open at once, in total.
        public var total: Int
        /// Connections open at once from one address block.
        public var perAddress: Int
        /// New connections per minute from one address block.
        public var newPerMinute: Int

        /// Limits with the given values.
        public init(total: Int = 10_000, perAddress: Int = 20, newPerMinute: Int = 30) {
            self.total = total
            self.perAddress = perAddress
            self.newPerMinute = newPerMinute
        }
    }

    /// The verdict on a new connection.
    public enum Verdict: Sendable, Equatable {
        /// Keep it; call `closed(_:)` when it ends.
        case admit
        /// Close it at once, for this reason, which names the limit it would pass.
        case refuse(String, limit: Limit)
    }

    /// The limit a refused connection would have passed.
    public enum Limit: String, Sendable, CaseIterable {
        case total
        case perAddress = "per-address"
        case newPerMinute = "new-per-minute"
    }

    /// The limits in force.
    public var limits: Limits
    private var open = 0
    private var openPerBlock: [String: Int] = [:]
    private var recent: [String: RecentConnections] = [:]
    private var judged = 0

    /// Admission with `limits`.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The number of connections open now.
    public var openConnections: Int { open }

    /// Judges a connection from `block` (see `addressBlock(of:)`) at `now` seconds.
    public mutating func connection(from block: String, now: Double) -> Verdict {
        // Forget old rate history now and then, so that many distinct addresses cannot grow it without bound.
        judged += 1
        if judged % 1024 == 0 { prune(now: now) }
        if open >= limits.total {
            return .refuse("server full: \(limits.total) connections", limit: .total)
        }
        if openPerBlock[block, default: 0] >= limits.perAddress {
            return .refuse("more than \(limits.perAddress) connections at once from \(block)", limit: .perAddress)
        }
        var times = recent[block, default: RecentConnections()]
        times.forget(before: now - 60)
        if times.count >= limits.newPerMinute {
            recent[block] = times
            return .refuse(
                "more than \(limits.newPerMinute) new connections per minute from \(block)",
                limit: .newPerMinute
            )
        }
        times.append(now)
        recent[block] = times
        open += 1
        openPerBlock[block, default: 0] += 1
        return .admit
    }

    /// An admitted connection from `block` closed.
    public mutating func closed(_ block: String) {
        open = max(0, open - 1)
        let remaining = openPerBlock[block, default: 1] - 1
        openPerBlock[block] = remaining > 0 ? remaining : nil
    }

    /// Forgets rate history older than a minute (call now and then to bound memory).
    public mutating func prune(now: Double) {
        recent = recent.compactMapValues { times in
            var kept = times
            kept.forget(before: now - 60)
            return kept.count == 0 ? nil : kept
        }
    }

    /// The block an address counts against: the IPv4 address itself, or the first four groups (/64) of an IPv6 one.
    public static func addressBlock(of ip: String) -> String {
        guard ip.contains(":") else { return ip }
        if ip.hasPrefix("::ffff:"), ip.contains(".") { return String(ip.dropFirst(7)) }
        let expanded = expandIPv6(ip)
        return expanded.prefix(4).joined(separator: ":") + "::/64"
    }

    private static func expandIPv6(_ ip: String) -> [String] {
        let halves = ip.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let head = halves[0].split(separator: ":").map(String.init)
        let tail = halves.count > 1 ? halves[1].split(separator: ":").map(String.init) : []
        let missing = max(0, 8 - head.count - tail.count)
        let groups = head + Array(repeating: "0", count: halves.count > 1 ? missing : 0) + tail
        return groups.map { String(Int($0, radix: 16) ?? 0, radix: 16) }
    }
}
