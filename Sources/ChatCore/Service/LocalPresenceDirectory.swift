import Foundation
import Synchronization

/// The presence directory of a server that runs alone: who is online in memory, behind one lock; the wrong-password
/// lock-outs in the store when it is given one (so they hold across restarts, and for every server of a shared
/// database), else in memory too.
public final class LocalPresenceDirectory: PresenceDirectory {
    private struct State {
        var holders: [String: PresenceEntry] = [:]
        var loginGuard: LoginGuard
    }

    private let state: Mutex<State>
    private let clock: any ChatClock
    private let limits: LoginGuard.Limits
    /// Where lock-outs are kept, timed by the wall clock; nil: in `state`'s guard, timed by the monotonic clock.
    private let attempts: (any MessageStore)?

    /// A directory whose lock-outs follow `limits`, timed by `clock`, and are kept in `attempts` if given.
    public init(
        clock: any ChatClock = SystemChatClock(),
        limits: LoginGuard.Limits = LoginGuard.Limits(),
        attempts: (any MessageStore)? = nil
    ) {
        self.clock = clock
        self.limits = limits
        self.attempts = attempts
        self.state = Mutex(State(loginGuard: LoginGuard(limits: limits)))
    }

    public func claim(_ entry: PresenceEntry) -> Bool {
        state.withLock { state in
            guard state.holders[entry.name.key] == nil else { return false }
            state.holders[entry.name.key] = entry
            return true
        }
    }

    public func release(_ key: String, connection: ConnectionID) {
        state.withLock { state in
            if state.holders[key]?.connection == connection { state.holders[key] = nil }
        }
    }

    public func update(_ key: String, connection: ConnectionID, identity: IdentityKind) {
        state.withLock { state in
            if state.holders[key]?.connection == connection { state.holders[key]?.identity = identity }
        }
    }

    public func updateGuestBlocks(_ key: String, connection: ConnectionID, blocks: Set<String>) {
        state.withLock { state in
            if state.holders[key]?.connection == connection { state.holders[key]?.guestBlocks = blocks }
        }
    }

    public func holder(of key: String) -> PresenceEntry? {
        state.withLock { $0.holders[key] }
    }

    public func everyone() -> [PresenceEntry] {
        state.withLock { Array($0.holders.values) }
    }

    public func lockRemaining(of key: String, from source: String) async throws -> Int? {
        let remaining: Double?
        if let attempts {
            let now = clock.now().timeIntervalSince1970
            remaining = try await attempts.loginAttempts(name: key, source: source).lockRemaining(now: now)
        } else {
            let now = clock.seconds()
            remaining = state.withLock { $0.loginGuard.lockRemaining(name: key, source: source, now: now) }
        }
        return remaining.map { Int($0.rounded(.up)) }
    }

    public func recordWrongPassword(for key: String, from source: String) async throws -> Int? {
        guard let attempts else {
            let now = clock.seconds()
            return state.withLock { $0.loginGuard.recordFailure(name: key, source: source, now: now) }.map { Int($0) }
        }
        let now = clock.now().timeIntervalSince1970
        let limits = self.limits
        let lock = try await attempts.updateLoginAttempts(name: key, source: source) { attempts in
            // What has gone stale counts as never recorded (as the in-memory guard's pruning forgets it).
            if attempts.record?.isStale(limits: limits, now: now) == true { attempts.record = nil }
            if attempts.budget?.isStale(limits: limits, now: now) == true { attempts.budget = nil }
            return attempts.recordFailure(limits: limits, now: now)
        }
        return lock.map { Int($0) }
    }

    public func recordCorrectPassword(for key: String, from source: String) async throws {
        guard let attempts else {
            state.withLock { $0.loginGuard.recordSuccess(name: key, source: source) }
            return
        }
        // Most right passwords follow no wrong one: no write then.
        guard try await attempts.loginAttempts(name: key, source: source).record != nil else { return }
        try await attempts.updateLoginAttempts(name: key, source: source) { $0.recordSuccess() }
    }
}
