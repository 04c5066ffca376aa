import Foundation
import Synchronization

@testable import ChatCore

/// An ``InMemoryMessageStore`` behind a wrapper that records which calls reach it, and can hold batch appends
/// (`append(contentsOf:)`, which background stores use) until the test lets them go.
final class ObservedStore: MessageStore {
    let inner = InMemoryMessageStore()

    private struct State {
        var calls: [String] = []
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []
        var failing = false
        var failingAttempts = false
        var heldWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// The calls that reached the store, in order (a held append as "append(contentsOf:)" then "appended").
    var calls: [String] { state.withLock { $0.calls } }

    /// From now on batch appends fail, as when the database has gone away.
    func failAppends() {
        state.withLock { $0.failing = true }
    }

    /// From now on the wrong-password records cannot be read or written.
    func failLoginAttempts() {
        state.withLock { $0.failingAttempts = true }
    }

    /// From now on batch appends wait for ``release()``.
    func hold() {
        state.withLock { $0.holding = true }
    }

    /// Lets every held append go on (and later ones through).
    func release() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }

    /// Returns once an append is being held.
    func appendHeld() async {
        await withCheckedContinuation { continuation in
            let already = state.withLock { state in
                guard state.held.isEmpty else { return true }
                state.heldWaiters.append(continuation)
                return false
            }
            if already { continuation.resume() }
        }
    }

    private func record(_ call: String) {
        state.withLock { $0.calls.append(call) }
    }

    func identity(forKey key: String) async throws -> StoredIdentity? {
        record("identity")
        return try await inner.identity(forKey: key)
    }

    func createIdentity(_ identity: StoredIdentity) async throws {
        record("createIdentity")
        try await inner.createIdentity(identity)
    }

    func claimForCertificate(_ identity: StoredIdentity) async throws -> Bool {
        record("claimForCertificate")
        return try await inner.claimForCertificate(identity)
    }

    func certificate(forKey key: String) async throws -> [UInt8]? {
        record("certificate")
        return try await inner.certificate(forKey: key)
    }

    func recordCertificate(_ der: [UInt8], forKey key: String, at: Date) async throws {
        record("recordCertificate")
        try await inner.recordCertificate(der, forKey: key, at: at)
    }

    func recordLogin(nameKey: String, displayName: String, identityKey: String?, at: Date) async throws -> PresenceID {
        record("recordLogin")
        return try await inner.recordLogin(nameKey: nameKey, displayName: displayName, identityKey: identityKey, at: at)
    }

    func recordLogout(_ presence: PresenceID, at: Date) async throws {
        record("recordLogout")
        try await inner.recordLogout(presence, at: at)
    }

    func heartbeat(at: Date) async throws {
        record("heartbeat")
        try await inner.heartbeat(at: at)
    }

    func closeDanglingPresence(at now: Date) async throws -> Int {
        record("closeDanglingPresence")
        return try await inner.closeDanglingPresence(at: now)
    }

    func recentlySeen(since: Date) async throws -> [SeenUser] {
        record("recentlySeen")
        return try await inner.recentlySeen(since: since)
    }

    func hasBeenSeen(nameKey: String) async throws -> Bool {
        record("hasBeenSeen")
        return try await inner.hasBeenSeen(nameKey: nameKey)
    }

    func append(_ message: NewMessage) async throws -> StoredMessage {
        record("append")
        return try await inner.append(message)
    }

    func append(contentsOf messages: [NewMessage]) async throws -> [StoredMessage] {
        record("append(contentsOf:)")
        await withCheckedContinuation { continuation in
            let (go, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                guard state.holding else { return (true, []) }
                state.held.append(continuation)
                defer { state.heldWaiters = [] }
                return (false, state.heldWaiters)
            }
            for waiter in waiters { waiter.resume() }
            if go { continuation.resume() }
        }
        if state.withLock({ $0.failing }) { throw StoreError.storageFailed("the database went away (test)") }
        let stored = try await inner.append(contentsOf: messages)
        record("appended")
        return stored
    }

    func unreadInbox(for key: String) async throws -> [StoredMessage] {
        record("unreadInbox")
        return try await inner.unreadInbox(for: key)
    }

    func markRead(for key: String, ids: [MessageID]) async throws {
        record("markRead")
        try await inner.markRead(for: key, ids: ids)
    }

    func unreadCount(for key: String) async throws -> Int {
        record("unreadCount")
        return try await inner.unreadCount(for: key)
    }

    func history(for key: String, limit: Int) async throws -> [StoredMessage] {
        record("history")
        return try await inner.history(for: key, limit: limit)
    }

    func loginAttempts(name: String, source: String) async throws -> LoginAttempts {
        record("loginAttempts")
        if state.withLock({ $0.failingAttempts }) { throw StoreError.storageFailed("the database went away (test)") }
        return try await inner.loginAttempts(name: name, source: source)
    }

    func updateLoginAttempts<Result: Sendable>(
        name: String,
        source: String,
        _ change: @escaping @Sendable (inout LoginAttempts) -> Result
    ) async throws -> Result {
        record("updateLoginAttempts")
        return try await inner.updateLoginAttempts(name: name, source: source, change)
    }

    func blocks(of owner: String) async throws -> Set<String> {
        record("blocks")
        return try await inner.blocks(of: owner)
    }

    func block(owner: String, target: String, at: Date) async throws {
        record("block")
        try await inner.block(owner: owner, target: target, at: at)
    }

    func unblock(owner: String, target: String) async throws -> Bool {
        record("unblock")
        return try await inner.unblock(owner: owner, target: target)
    }

    func prune(olderThan date: Date) async throws -> Int {
        record("prune")
        return try await inner.prune(olderThan: date)
    }

    func close() async throws {
        record("close")
        await inner.close()
    }
}
