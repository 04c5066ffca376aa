import ChatCore
import Synchronization

/// An in-memory copy of the identities and block lists the store has read or written, so that the common look-ups on
/// every private message (does the recipient have an identity, whom does it block) cost no database round trip and
/// no thread hop.
///
/// SQLite's store is the only writer of its file, so the copy stays exact: every write updates it after it commits.
/// PostgreSQL's store shares its database with other servers, and forgets a key whenever any of them announces a
/// change to it (``PostgresLookupListener``). A read that raced a write is not cached (a generation number tells),
/// and the cache is emptied when it grows past `limit` entries.
final class LookupCache: Sendable {
    private struct State {
        var identities: [String: StoredIdentity?] = [:]
        var blocks: [String: Set<String>] = [:]
        var generation = 0
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int = 100_000) {
        self.limit = limit
    }

    /// The generation to pass back with a value read from the database.
    var generation: Int {
        state.withLock { $0.generation }
    }

    /// The cached identity for `key`: `.some(nil)` means known not to exist; nil means not cached.
    func identity(_ key: String) -> StoredIdentity?? {
        state.withLock { $0.identities[key] }
    }

    /// Caches what the database said about `key`, unless a write happened since `generation`.
    func remember(identity: StoredIdentity?, for key: String, readAt generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.identities.count >= limit { state.identities.removeAll() }
            state.identities[key] = .some(identity)
        }
    }

    /// Records a committed identity.
    func stored(_ identity: StoredIdentity) {
        state.withLock { state in
            state.generation += 1
            state.identities[identity.key] = .some(identity)
        }
    }

    /// The cached block list of `owner`, if cached.
    func blocks(_ owner: String) -> Set<String>? {
        state.withLock { $0.blocks[owner] }
    }

    /// Caches `owner`'s block list as read, unless a write happened since `generation`.
    func remember(blocks: Set<String>, of owner: String, readAt generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.blocks.count >= limit { state.blocks.removeAll() }
            state.blocks[owner] = blocks
        }
    }

    /// Records a committed change to `owner`'s blocks: the cached list (if any) is updated, or dropped when unknown.
    func changedBlocks(of owner: String, _ change: (inout Set<String>) -> Void) {
        state.withLock { state in
            state.generation += 1
            guard var list = state.blocks[owner] else { return }
            change(&list)
            state.blocks[owner] = list
        }
    }

    /// Forgets what is cached of `key` (its identity, its block list): another process changed it.
    func forget(_ key: String) {
        state.withLock { state in
            state.generation += 1
            state.identities[key] = nil
            state.blocks[key] = nil
        }
    }

    /// Forgets everything (after a bulk change such as pruning).
    func clear() {
        state.withLock { state in
            state.generation += 1
            state.identities.removeAll()
            state.blocks.removeAll()
        }
    }
}
