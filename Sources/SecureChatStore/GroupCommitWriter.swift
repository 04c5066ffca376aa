import ChatCore
import CoreMetrics
import Foundation

/// Commits appends in groups: every append that arrives while a transaction is being committed waits, and the next
/// transaction takes all of them at once. Each caller resumes only after the transaction holding its item is
/// durably committed, and the disk is synced once per group instead of once per item. The store says how one
/// group is committed (`commit`: one transaction that stores every item in order and returns what it stored, one
/// result per item: messages with their ids, cluster events with theirs).
///
/// If a group's transaction fails, every append in it fails with the error `commit` threw, and nothing of it is
/// stored. The
/// items of one `append(contentsOf:)` always share a group (and its fate).
actor GroupCommitWriter<Item: Sendable, Stored: Sendable> {
    private typealias Request = (messages: [Item], continuation: CheckedContinuation<[Stored], any Error>)

    typealias Commit = @Sendable ([Item]) async throws -> [Stored]

    private let commit: Commit
    /// How long each group's transaction takes (`securechat_store_commit_seconds`).
    private let latency: CoreMetrics.Timer
    /// A transaction is being committed; requests arriving now go into the next group.
    private var isWriting = false
    /// `false` once `shutdown()` was called: new requests fail.
    private var isAccepting = true
    private var pending: [Request] = []
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    /// The largest group in one transaction; a bigger backlog is split so no transaction grows without bound.
    private let maximumGroupSize = 4096

    init(store: String, commit: @escaping Commit) {
        self.commit = commit
        self.latency = CoreMetrics.Timer(label: "securechat_store_commit_seconds", dimensions: [("store", store)])
    }

    /// Appends `messages`, in order and in the same group, and returns them once they are durably committed.
    func append(contentsOf messages: [Item]) async throws -> [Stored] {
        guard !messages.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            guard self.isAccepting else {
                continuation.resume(throwing: StoreError.storageFailed("the store is closed"))
                return
            }
            self.pending.append((messages, continuation))
            if !self.isWriting {
                self.isWriting = true
                Task { await self.drain() }
            }
        }
    }

    /// Waits until every accepted append has been committed or failed, then refuses new ones.
    func shutdown() async {
        self.isAccepting = false
        if self.isWriting {
            await withCheckedContinuation { continuation in
                self.drainWaiters.append(continuation)
            }
        }
    }

    private func drain() async {
        while !self.pending.isEmpty {
            // Whole requests, up to about `maximumGroupSize` messages (a larger single request still goes alone).
            var count = 0
            var messageCount = 0
            while count < self.pending.count,
                count == 0 || messageCount + self.pending[count].messages.count <= self.maximumGroupSize
            {
                messageCount += self.pending[count].messages.count
                count += 1
            }
            let group = Array(self.pending.prefix(count))
            self.pending.removeFirst(count)
            let messages = group.flatMap(\.messages)
            do {
                let started = ContinuousClock.now
                let stored = try await self.commit(messages)
                let elapsed = ContinuousClock.now - started
                latency.recordNanoseconds(
                    elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
                )
                var offset = 0
                for request in group {
                    let share = request.messages.count
                    request.continuation.resume(returning: Array(stored[offset..<offset + share]))
                    offset += share
                }
            } catch {
                for request in group {
                    request.continuation.resume(throwing: error)
                }
            }
        }
        self.isWriting = false
        let waiters = self.drainWaiters
        self.drainWaiters = []
        for waiter in waiters {
            waiter.resume()
        }
    }
}
