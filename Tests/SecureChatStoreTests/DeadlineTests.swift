import Testing

@testable import SecureChatStore

/// ``PostgresMessageStore/withDeadline(_:_:late:)``: the bound on every call to PostgreSQL.
@Suite(.timeLimit(.minutes(1)))  // a `late` that is never called would leave the first test waiting
struct DeadlineTests {
    /// Work that outlives its deadline: the caller fails at the deadline, and what the work returns afterwards (a
    /// connection, say) is handed to `late` instead of being dropped.
    @Test func aResultAfterTheDeadlineGoesToLate() async throws {
        let gate = AsyncStream<Void>.makeStream()
        let handed = AsyncStream<Int>.makeStream()
        await #expect(throws: PostgresMessageStore.TimedOut.self) {
            _ = try await PostgresMessageStore.withDeadline(
                .milliseconds(50),
                {
                    for await _ in gate.stream {}
                    return 7
                },
                late: { value in
                    handed.continuation.yield(value)
                    handed.continuation.finish()
                }
            )
        }
        gate.continuation.finish()
        var results = handed.stream.makeAsyncIterator()
        #expect(await results.next() == 7)
    }

    @Test func aResultInTimeGoesToTheCallerOnly() async throws {
        let value = try await PostgresMessageStore.withDeadline(
            .seconds(60),
            { 3 },
            late: { _ in Issue.record("an answer in time was handed to late") }
        )
        #expect(value == 3)
    }
}
