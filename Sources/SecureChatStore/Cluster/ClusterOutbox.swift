import Synchronization

/// This node's events on their way to PostgreSQL, in the order they were queued. Queuing never waits (the chat
/// queues under its room lock); one task at a time writes what is queued, as one batch in one statement, so the
/// events of one node commit in the order it queued them.
///
/// When a write fails (PostgreSQL restarting, say), whoever waits for their events is told at once (a `send` is
/// answered with an error, never acknowledged and then lost); events nobody waits for (chat lines, notices) stay
/// queued, in order, and are written again until they are, or until the node is no longer a member
/// (``PostgresCluster/ClusterError/notAMember``), when they are dropped: the node's users are disconnected then.
final class ClusterOutbox: Sendable {
    typealias Write = @Sendable ([String]) async throws -> [Int64]

    private struct Request {
        let bodies: [String]
        /// Who waits for the ids; nil for events nobody waits for (a failure is only logged).
        let continuation: CheckedContinuation<[Int64], any Error>?
    }

    private struct State {
        var pending: [Request] = []
        var writing = false
        var closed = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The most events written in one statement.
    private let batchLimit = 1000
    /// How long to wait before writing again after a failure.
    private let retryDelay: Duration = .milliseconds(250)
    private let state = Mutex(State())
    private let write: Write
    private let dropped: @Sendable (Int, any Error) -> Void

    /// An outbox that writes with `write` and reports events nobody waited for and that could not be written to
    /// `dropped` (how many, why).
    init(write: @escaping Write, dropped: @escaping @Sendable (Int, any Error) -> Void) {
        self.write = write
        self.dropped = dropped
    }

    /// Queues `bodies`, after everything queued before.
    func send(_ bodies: [String]) {
        enqueue(Request(bodies: bodies, continuation: nil))
    }

    /// Queues `bodies` and returns their ids once they are committed.
    func sendConfirmed(_ bodies: [String]) async throws -> [Int64] {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(Request(bodies: bodies, continuation: continuation))
        }
    }

    /// Refuses more, and returns once what is queued is written, or after `timeout` (PostgreSQL gone).
    func close(timeout: Duration) async {
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.releaseIdleWaiters()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                state.closed = true
                guard state.writing else { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
        timer.cancel()
    }

    private func releaseIdleWaiters() {
        let waiters = state.withLock { state in
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func enqueue(_ request: Request) {
        guard !request.bodies.isEmpty else {
            request.continuation?.resume(returning: [])
            return
        }
        let start = state.withLock { state -> Bool? in
            guard !state.closed else { return nil }
            state.pending.append(request)
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        switch start {
        case nil:
            let closed = PostgresCluster.ClusterError.notAMember
            if let continuation = request.continuation {
                continuation.resume(throwing: closed)
            } else {
                dropped(request.bodies.count, closed)
            }
        case true?:
            Task { await self.drain() }
        case false?:
            break
        }
    }

    private func drain() async {
        while let batch = nextBatch() {
            do {
                let ids = try await write(batch.flatMap(\.bodies))
                var offset = 0
                for request in batch {
                    request.continuation?.resume(returning: Array(ids[offset..<offset + request.bodies.count]))
                    offset += request.bodies.count
                }
            } catch let error as PostgresCluster.ClusterError {
                fail(batch, error, keepingUnwaited: false)
            } catch {
                fail(batch, error, keepingUnwaited: true)
                try? await Task.sleep(for: retryDelay)
            }
        }
    }

    /// Tells the waiting requests of `batch` that it failed, and either puts the others back at the head of the
    /// queue or drops them.
    private func fail(_ batch: [Request], _ error: any Error, keepingUnwaited: Bool) {
        var unwaited: [Request] = []
        for request in batch {
            if let continuation = request.continuation {
                continuation.resume(throwing: error)
            } else {
                unwaited.append(request)
            }
        }
        guard !unwaited.isEmpty else { return }
        if keepingUnwaited {
            state.withLock { $0.pending.insert(contentsOf: unwaited, at: 0) }
        } else {
            dropped(unwaited.reduce(0) { $0 + $1.bodies.count }, error)
        }
    }

    /// Whole requests, up to about ``batchLimit`` events; nil (and writing over) when nothing is queued.
    private func nextBatch() -> [Request]? {
        let (batch, waiters) = state.withLock { state -> ([Request]?, [CheckedContinuation<Void, Never>]) in
            guard !state.pending.isEmpty else {
                state.writing = false
                defer { state.idleWaiters = [] }
                return (nil, state.idleWaiters)
            }
            var count = 0
            var events = 0
            while count < state.pending.count,
                count == 0 || events + state.pending[count].bodies.count <= batchLimit
            {
                events += state.pending[count].bodies.count
                count += 1
            }
            defer { state.pending.removeFirst(count) }
            return (Array(state.pending.prefix(count)), [])
        }
        for waiter in waiters { waiter.resume() }
        return batch
    }
}
