import ChatCore
import Logging
import NIOCore
import SecureChatTLS
import Synchronization

/// The one owner of the room's shared state: who is online, password lock-outs, and each live connection's channel.
///
/// It carries out the room's deliveries itself: a reply is formatted once, and each event loop receives one task that
/// writes the shared bytes to all of its recipients; the loop's ``LoopOutbox`` flushes each recipient once per turn.
///
/// The channel registry sits behind a mutex instead of the actor, so a connection registers and unregisters from its
/// event loop without a hop to the actor: a connection that never logs in never needs a task.
actor RoomHub {
    private struct Registry {
        var endpoints: [ConnectionID: RoomEndpoint] = [:]
        var shuttingDown = false
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []

        /// Takes the waiters if nobody is left, for the caller to resume outside the lock.
        mutating func waitersIfEmpty() -> [CheckedContinuation<Void, Never>] {
            guard endpoints.isEmpty else { return [] }
            defer { emptyWaiters = [] }
            return emptyWaiters
        }
    }

    private var room = ChatRoom()
    private var loginGuard = LoginGuard()
    private let registry = Mutex(Registry())
    private var certificates: [ConnectionID: PeerIdentity] = [:]
    /// One per event loop, created on first use; see ``LoopOutbox``.
    private var outboxes: [ObjectIdentifier: LoopOutbox] = [:]
    private let logger: Logger
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    init(logger: Logger) {
        self.logger = logger
        self.started = clock.now
    }

    /// Whether the server is shutting down (no new logins).
    nonisolated var isShuttingDown: Bool { registry.withLock { $0.shuttingDown } }

    /// Starts carrying deliveries for `connection` over `channel`; during shutdown the channel is closed at once.
    /// Call from the channel's event loop (no hop to the actor).
    nonisolated func register(_ connection: ConnectionID, channel: any Channel) {
        let endpoint = RoomEndpoint(channel: channel, directTLSWrites: true, logger: logger)
        let refused = registry.withLock { registry -> Bool in
            guard !registry.shuttingDown else { return true }
            registry.endpoints[connection] = endpoint
            return false
        }
        guard refused else { return }
        let bye = ReplyFormatter.bytes(for: .bye("server is shutting down"))
        channel.eventLoop.execute {
            channel.writeAndFlush(channel.allocator.buffer(bytes: bye), promise: nil)
            channel.close(promise: nil)
        }
    }

    /// Stops carrying deliveries for `connection`. Safe to call from the channel's event loop.
    nonisolated func unregister(_ connection: ConnectionID) {
        let waiters = registry.withLock { registry in
            registry.endpoints[connection] = nil
            return registry.waitersIfEmpty()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once every registered connection has finished (or after `timeout`).
    nonisolated func waitUntilEveryoneLeft(timeout: Duration) async {
        let timer = Task { [weak self] in
            // Cancelled (everyone left in time): release nobody.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.releaseEmptyWaiters()
        }
        await withCheckedContinuation { continuation in
            let empty = registry.withLock { registry -> Bool in
                guard !registry.endpoints.isEmpty else { return true }
                registry.emptyWaiters.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
        timer.cancel()
    }

    private nonisolated func releaseEmptyWaiters() {
        let waiters = registry.withLock { registry in
            defer { registry.emptyWaiters = [] }
            return registry.emptyWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Remembers the verified client certificate of a logged-in connection, for revocation checks on reload.
    func attach(_ certificate: PeerIdentity, to connection: ConnectionID) {
        certificates[connection] = certificate
    }

    /// Closes, with a notice, every session whose certificate `isRevoked` says is revoked; returns how many.
    func closeSessions(where isRevoked: (PeerIdentity) -> Bool) -> Int {
        let revoked = certificates.filter { isRevoked($0.value) }
        for (connection, certificate) in revoked {
            guard let channel = registry.withLock({ $0.endpoints[connection]?.channel }) else { continue }
            logger.notice(
                "closing a session whose client certificate is now revoked",
                metadata: [
                    "conn": "\(connection)",
                    "cert": "CN=\(certificate.commonName ?? "?") serial \(certificate.serialNumber)",
                ]
            )
            let reason = "your client certificate has been revoked"
            // Out of the room before the close, so the others hear why instead of "unexpectedly".
            if let member = room.member(on: connection) {
                leave(member.name, connection: connection, because: .certificateRevoked)
            }
            deliver(Delivery(to: [connection], .notice(reason)))
            deliver(Delivery(to: [connection], .bye(reason)))
            Self.flushAndClose(channel)
        }
        return revoked.count
    }

    /// Whether `name` is online, or `source` is locked out of it after wrong passwords; nil when neither (the store
    /// decides the rest).
    func liveStatus(of name: Username, from source: String) -> NameStatus? {
        if room.member(name.key) != nil { return .online }
        if let seconds = lockRemaining(of: name, from: source) { return .locked(secondsLeft: seconds) }
        return nil
    }

    /// Counts a wrong password for `name` from `source`; the lock's length in seconds when this one locked the
    /// source out of the name.
    func recordWrongPassword(for name: Username, from source: String) -> Int? {
        guard let seconds = loginGuard.recordFailure(name: name.key, source: source, now: secondsNow()) else {
            return nil
        }
        logger.warning(
            "source locked out of a name after wrong passwords",
            metadata: ["user": "\(name)", "source": "\(source)", "seconds": "\(seconds)"]
        )
        return Int(seconds)
    }

    /// Forgets the wrong passwords for `name` from `source` after a right one.
    func recordCorrectPassword(for name: Username, from source: String) {
        loginGuard.recordSuccess(name: name.key, source: source)
    }

    /// Puts `member` in the room, sends them `greeting`, and announces them; fails if the name came online
    /// meanwhile. The greeting is queued before anything else can be sent to the newcomer.
    func join(_ member: RoomMember, greeting: [ServerReply]) -> Result<Void, ProtocolError> {
        if isShuttingDown { return .failure(.notAllowed("the server is shutting down")) }
        switch room.join(member) {
        case .success(let notice):
            for line in greeting { deliver(Delivery(to: [member.connection], line)) }
            if let notice { deliver(notice) }
            return .success(())
        case .failure(let error):
            return .failure(error)
        }
    }

    /// Takes the member on `connection` out of the room and tells the others why; nothing when it has left already.
    func leave(_ name: Username, connection: ConnectionID, because reason: LeaveReason) {
        certificates[connection] = nil
        guard let notice = room.leave(name.key, connection: connection, because: reason) else { return }
        if !isShuttingDown { deliver(notice) }
    }

    /// The guest on `connection` registered: from now on what is sent to them is stored for their identity.
    func identify(_ name: Username, connection: ConnectionID, as identity: IdentityKind) {
        room.identify(name.key, connection: connection, as: identity)
    }

    /// Sends chat lines from `name` to everybody who accepts them, as one delivery (each recipient gets them
    /// together, in order).
    func say(_ texts: [String], from name: Username) {
        guard let first = texts.first, let delivery = room.say(from: name.key, text: first) else { return }
        guard texts.count > 1, case .chat(let sender, _) = delivery.reply else {
            deliver(delivery)
            return
        }
        var bytes = ReplyFormatter.bytes(for: delivery.reply)
        for text in texts.dropFirst() {
            bytes += ReplyFormatter.bytes(for: .chat(from: sender, text: text))
        }
        deliver(bytes, to: delivery.recipients)
    }

    /// Sends a `broadcast message` from `name`; returns how many received it.
    func broadcast(_ text: String, from name: Username) -> Int {
        guard let delivery = room.broadcast(from: name.key, text: text) else { return 0 }
        deliver(delivery)
        return delivery.recipients.count
    }

    /// Delivers a private reply to `recipient` if they are online and accept `sender`. A member whose connection
    /// is already gone (but who has not left yet) counts as offline, so the message is stored instead of lost.
    func sendDirect(_ reply: ServerReply, from sender: Username, to recipient: Username) -> ChatRoom.DirectRoute {
        let route = room.route(from: sender.key, to: recipient.key)
        guard case .online(let member) = route else { return route }
        guard let channel = registry.withLock({ $0.endpoints[member.connection]?.channel }), channel.isActive else {
            return .offline
        }
        deliver(Delivery(to: [member.connection], reply))
        return route
    }

    /// Seconds left on the wrong-password lock of `source` out of `name`, if it is locked.
    func lockRemaining(of name: Username, from source: String) -> Int? {
        loginGuard.lockRemaining(name: name.key, source: source, now: secondsNow()).map { Int($0.rounded(.up)) }
    }

    /// The names of everybody online but `name`.
    func others(than name: Username) -> [Username] {
        room.others(than: name.key)
    }

    /// Whether `key` is online now.
    func isOnline(_ key: String) -> Bool {
        room.member(key) != nil
    }

    /// The name of the user online as `key`, spelled as they logged in; nil when nobody is.
    func onlineName(_ key: String) -> Username? {
        room.member(key)?.name
    }

    /// Records a block in the live room; false when it was already there.
    func block(_ target: String, by owner: Username) -> Bool {
        room.block(target, by: owner.key)
    }

    /// Removes a block from the live room; false when there was none.
    func unblock(_ target: String, by owner: Username) -> Bool {
        room.unblock(target, by: owner.key)
    }

    /// The keys `owner` blocks, as the live room knows them.
    func blocks(of owner: Username) -> Set<String> {
        room.member(owner.key)?.blocks ?? []
    }

    /// Tells every connection the server is going away and closes them all.
    func shutDown() {
        let channels = registry.withLock { registry in
            registry.shuttingDown = true
            return registry.endpoints.mapValues(\.channel)
        }
        let everyone = Array(channels.keys)
        let notice = Delivery(to: everyone, .serverShuttingDown)
        let bye = Delivery(to: everyone, .bye("server is shutting down"))
        deliver(notice)
        deliver(bye)
        for channel in channels.values {
            Self.flushAndClose(channel)
        }
    }

    /// Closes `channel` after the deliveries already handed to its loop: they are written but may wait for the
    /// outbox's flush, which would otherwise run after the close and lose them.
    private static func flushAndClose(_ channel: any Channel) {
        channel.eventLoop.execute {
            channel.flush()
            channel.close(promise: nil)
        }
    }

    private func deliver(_ delivery: Delivery) {
        deliver(ReplyFormatter.bytes(for: delivery.reply), to: delivery.recipients)
    }

    private func deliver(_ bytes: [UInt8], to recipients: [ConnectionID]) {
        // One list per event loop; a server has a handful of loops, so a linear search beats hashing.
        var byLoop: [(id: ObjectIdentifier, loop: any EventLoop, endpoints: [RoomEndpoint])] = []
        registry.withLock { registry in
            for recipient in recipients {
                guard let endpoint = registry.endpoints[recipient] else { continue }
                if let index = byLoop.firstIndex(where: { $0.id == endpoint.loopID }) {
                    byLoop[index].endpoints.append(endpoint)
                } else {
                    var endpoints: [RoomEndpoint] = []
                    endpoints.reserveCapacity(recipients.count)
                    endpoints.append(endpoint)
                    byLoop.append((endpoint.loopID, endpoint.loop, endpoints))
                }
            }
        }
        for (id, loop, targets) in byLoop {
            let outbox = outbox(for: loop, id: id)
            loop.execute {
                // A buffer per loop: every recipient's write takes a reference to it, and one loop's references
                // should not bounce the other loop's cache lines.
                outbox.write(ByteBuffer(bytes: bytes), to: targets)
            }
        }
    }

    private func outbox(for loop: any EventLoop, id: ObjectIdentifier) -> LoopOutbox {
        if let existing = outboxes[id] { return existing }
        let created = LoopOutbox(loop: loop)
        outboxes[id] = created
        return created
    }

    private func secondsNow() -> Double {
        let elapsed = clock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
