import Synchronization

/// Counts what ``ChatService`` has under way (calls in progress and the stores it runs in the background), so that
/// closing waits for all of it and nothing reaches the store after it is closed.
final class ServiceWork: Sendable {
    private struct State {
        var running = 0
        var closing = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Starts one piece of work; false once closing has begun (then it must not touch the store).
    func enter() -> Bool {
        state.withLock { state in
            guard !state.closing else { return false }
            state.running += 1
            return true
        }
    }

    /// Ends a piece of work begun with a successful ``enter()``.
    func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0, state.closing else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs `body` in a task of its own that ``close()`` waits for; false (and nothing runs) once closing has begun.
    @discardableResult
    func spawn(_ body: @escaping @Sendable () async -> Void) -> Bool {
        guard enter() else { return false }
        Task {
            await body()
            self.leave()
        }
        return true
    }

    /// Refuses new work and returns once everything under way has ended.
    func close() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                state.closing = true
                guard state.running > 0 else { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
