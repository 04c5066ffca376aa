#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), in nanoseconds: what this thread alone has spent,
/// whatever else the machine is doing.
enum ThreadCPUClock {
    static func nanos() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Runs `body` and adds the thread CPU time it took to `total`.
    @discardableResult
    static func charge<Result>(to total: inout UInt64, _ body: () throws -> Result) rethrows -> Result {
        let start = nanos()
        defer { total &+= nanos() &- start }
        return try body()
    }
}
