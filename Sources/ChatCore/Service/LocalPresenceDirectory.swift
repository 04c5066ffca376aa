import Synchronization

/// The presence directory of a server that runs alone: in memory, behind one lock.
public final class LocalPresenceDirectory: PresenceDirectory {
    private struct State {
        var holders: [String: PresenceEntry] = [:]
        var loginGuard: LoginGuard
    }

    private let state: Mutex<State>
    private let clock: any ChatClock

    /// A directory whose lock-outs follow `limits`, timed by `clock`.
    public init(clock: any ChatClock = SystemChatClock(), limits: LoginGuard.Limits = LoginGuard.Limits()) {
        self.clock = clock
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

    public func holder(of key: String) -> PresenceEntry? {
        state.withLock { $0.holders[key] }
    }

    public func everyone() -> [PresenceEntry] {
        state.withLock { Array($0.holders.values) }
    }

    public func lockRemaining(of key: String, from source: String) -> Int? {
        let now = clock.seconds()
        return state.withLock { $0.loginGuard.lockRemaining(name: key, source: source, now: now) }
            .map { Int($0.rounded(.up)) }
    }

    public func recordWrongPassword(for key: String, from source: String) -> Int? {
        let now = clock.seconds()
        return state.withLock { $0.loginGuard.recordFailure(name: key, source: source, now: now) }.map { Int($0) }
    }

    public func recordCorrectPassword(for key: String, from source: String) {
        state.withLock { $0.loginGuard.recordSuccess(name: key, source: source) }
    }
}
