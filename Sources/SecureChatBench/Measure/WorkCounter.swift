import NIOConcurrencyHelpers

/// Hands out the numbers 0..<total, once each, to concurrent workers.
struct WorkCounter: Sendable {
    let total: Int
    private let next = NIOLockedValueBox(0)

    init(total: Int) {
        self.total = total
    }

    /// The next number, or nil when all have been handed out.
    func claim() -> Int? {
        next.withLockedValue { value in
            guard value < total else { return nil }
            value += 1
            return value - 1
        }
    }

    /// How many numbers have been handed out.
    var claimed: Int { next.withLockedValue { $0 } }

    /// Runs `work` for every number with `concurrency` workers; the first error cancels the rest.
    func run(concurrency: Int, _ work: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, min(concurrency, total)) {
                group.addTask {
                    while let index = claim() {
                        try await work(index)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
