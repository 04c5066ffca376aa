import ChatCore
import ChatTransport
import Foundation
import Logging
import NIOCore
import SecureChatTLS
import Synchronization

/// One connection's session: inputs in, `SessionStateMachine` decides, this carries out its actions.
///
/// Inputs come from `SessionInputHandler` on the event loop. An input whose outcome needs no waiting (the TLS
/// handshake's end, a line answered from the state machine alone, the close of a connection that never logged in) is
/// carried out right there on the loop. Anything that must wait (the store, the room, password hashing) runs in a
/// task, and inputs arriving meanwhile queue behind it; the task ends when the queue is empty. An idle connection
/// holds no task and no async frames, and a connection that never logs in never starts one.
///
/// `@unchecked Sendable`: `queue` is protected by its mutex. Every other mutable property is used only by whoever
/// holds the queue's claim (the loop while it carries out an input at once, or the one drain task): it is taken and
/// given up under the same mutex, which orders their accesses.
final class ConnectionSession: @unchecked Sendable {

    let id: ConnectionID
    let channel: any Channel
    let hub: RoomHub
    let store: any MessageStore
    /// The settings a session reads (not the whole ``ServerConfiguration``: every connection holds this).
    private let loginTimeout: TimeAmount
    private let maximumLineLength: Int
    /// How many bytes one `inbox` or `history` answer may take (see ``answerByteBudget(outboundQueueLimit:)``).
    let answerByteBudget: Int
    /// Whether a refused line has been logged (only the first one is).
    private var loggedRefusedLine = false
    /// The server's logger, shared: this connection's metadata is added only when something is logged (see
    /// ``logger``), so an idle connection does not hold a metadata dictionary of its own.
    let serverLogger: Logger

    private var machine = SessionStateMachine()
    private let peer: String
    /// The address block wrong passwords are counted against (see ``LoginGuard``).
    private let source: String
    private var tlsSummary = ""
    /// What the others are told when this session leaves the room; a close that does not set it is unexpected.
    private var leaveReason = LeaveReason.dropped
    private var presence: PresenceID?
    /// What `inbox` showed this connection that it has not acknowledged yet (at-least-once inbox).
    var shownInbox = ShownInbox()
    /// The name this connection holds in the room; set on join, kept after the machine closes so we can leave.
    private var joinedAs: Username?
    private var certificate: PeerIdentity?
    private var expiry: Scheduled<Void>?
    private var flood: FloodGuard
    private var deadline: Scheduled<Void>?
    private var stopped = false
    /// A batch is being gathered: answers that need no waiting must queue behind the batch's.
    private var gathering = false
    /// The drain task carried out something that may have written to this connection (an answer, or a delivery
    /// from the room such as the greeting), so it gives up its claim behind those writes; see ``nextPending()``.
    private var mayHaveWritten = false
    private var finished = false
    /// A batch begun on the loop during a read, whose task ``readEnded()`` starts (the loop holds the claim meanwhile).
    private var startAfterRead: Pending?
    /// Past 64 waiting inputs the connection stops reading from its socket until fewer than 16 are left.
    private let queue = Mutex(SessionInputQueue<SessionInput>(pauseAbove: 64, resumeBelow: 16))
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    /// Set once the user is in the room; read by the input handler on the event loop, which must not probe a
    /// connection for idleness before `WELCOME` (the login deadline covers that time).
    private let inRoom = Atomic(false)

    /// Whether the user has logged in (got `WELCOME`). Safe from any thread.
    var hasJoined: Bool { inRoom.load(ordering: .relaxed) }

    init(
        id: ConnectionID,
        channel: any Channel,
        hub: RoomHub,
        store: any MessageStore,
        configuration: ServerConfiguration,
        logger: Logger
    ) {
        self.id = id
        self.channel = channel
        self.hub = hub
        self.store = store
        self.loginTimeout = configuration.loginTimeout
        self.maximumLineLength = configuration.maximumLineLength
        self.answerByteBudget = Self.answerByteBudget(outboundQueueLimit: configuration.outboundQueueLimit)
        self.serverLogger = logger
        self.peer = Self.describe(channel.remoteAddress)
        self.source = ConnectionAdmission.addressBlock(of: channel.remoteAddress?.ipAddress ?? "?")
        self.started = clock.now
        self.flood = FloodGuard(burst: configuration.rateBurst, rate: configuration.ratePerSecond, now: 0)
    }

    /// Logs at debug level; the connection's metadata is only built when debug logging is on (every connection
    /// passes here on its way, so this saves building and dropping a metadata dictionary each time).
    private func debug(
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata? = nil
    ) {
        guard serverLogger.logLevel <= .debug else { return }
        logger.debug(message(), metadata: metadata())
    }

    /// The logger with the connection's id and the peer's address, from fields that never change: safe from the
    /// event loop while the drain task works (``logger`` also names the user, which the task sets).
    var connectionLogger: Logger {
        var logger = serverLogger
        logger[metadataKey: "conn"] = "\(id)"
        logger[metadataKey: "peer"] = .string(peer)
        return logger
    }

    /// The logger with this connection's metadata: its id, the peer's address and, once logged in, the user. Only for
    /// the holder of the claim.
    var logger: Logger {
        var logger = serverLogger
        logger[metadataKey: "conn"] = "\(id)"
        logger[metadataKey: "peer"] = .string(peer)
        if let joinedAs { logger[metadataKey: "user"] = "\(joinedAs)" }
        return logger
    }

    /// Carries out `input` at once if nothing is queued or running, else queues it behind the running task.
    /// `moreMayFollow`: the input is a line of a read that may hold more lines, and ``readEnded()`` comes after the
    /// last of them. Called on the channel's event loop.
    func enqueue(_ input: SessionInput, moreMayFollow: Bool = false) {
        let (arrival, pause) = queue.withLock { $0.arrive(input) }
        if pause { channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in } }
        switch arrival {
        case .queued:
            break
        case .startWorker:
            Task { await self.drain() }
        case .carryOutNow:
            if let pending = begin(input) {
                if moreMayFollow, Self.batches(pending) {
                    // A chat line or a `send`: the task starts once the rest of the read is queued behind it, so the
                    // batch takes those lines along (a client pipelining its commands: one append, one delivery,
                    // one answer) instead of a task racing the loop and taking the first line alone.
                    startAfterRead = pending
                } else {
                    Task { await self.drain(startingWith: pending) }
                }
            } else if queue.withLock({ $0.releaseUnlessWaiting() }) {
                // Carrying it out queued more (a write that failed closed the channel).
                Task { await self.drain() }
            }
        }
    }

    /// The read whose lines were enqueued with `moreMayFollow` is over: starts the task a line of it left waiting.
    /// Called on the channel's event loop.
    func readEnded() {
        guard let pending = startAfterRead else { return }
        startAfterRead = nil
        Task { await self.drain(startingWith: pending) }
    }

    /// Works through the queue (after `first`, the waiting part of an input already begun) until it is empty.
    private func drain(startingWith first: Pending? = nil) async {
        var carried = first
        while let pending = carried ?? nextPending() {
            carried = await process(pending)
        }
    }

    /// Begins queued inputs until one has a part that must wait; nil when the queue runs empty first, and then the
    /// drain task ends.
    ///
    /// When this task may have written to the connection, the claim is given up on the event loop, behind those
    /// writes: they wait in the loop's queue, and an input carried out at once on the loop right after an earlier
    /// release would have its answer overtake them. Inputs arriving meanwhile queue, and then a new drain task takes
    /// them. A task that only sent chat lines (nothing goes back to their sender) gives the claim up at once.
    private func nextPending() -> Pending? {
        while true {
            while let input = next() {
                if let pending = begin(input) { return pending }
            }
            if mayHaveWritten {
                mayHaveWritten = false
                channel.eventLoop.execute {
                    if self.queue.withLock({ $0.releaseUnlessWaiting() }) { Task { await self.drain() } }
                }
                return nil
            }
            guard queue.withLock({ $0.releaseUnlessWaiting() }) else { return nil }
        }
    }

    /// The most chat lines or `send` commands carried out together.
    static let batchLimit = 64

    /// Carries out `pending`. A chat line or a `send` takes the ones of its kind queued right behind it along (a
    /// client that types fast or pipelines its commands): chat lines go to the room as one delivery, `send`s are
    /// stored in one append and answered in one write, all in order. Returns the waiting part of an input that ended
    /// such a batch, to be carried out next.
    private func process(_ pending: Pending) async -> Pending? {
        guard case .carryOut(let action) = pending, let user = machine.user else {
            await complete(pending)
            mayHaveWritten = true
            return nil
        }
        switch action {
        case .say(let text):
            // Chat lines answer nothing to their sender, so `mayHaveWritten` stays as it is.
            var texts = [text]
            let carried = gather { action in
                guard case .say(let text) = action else { return false }
                texts.append(text)
                return true
            }
            await say(texts, from: user)
            return carried
        case .perform(.send(let recipient, let text)):
            var sends = [(recipient: recipient, text: text)]
            let carried = gather { action in
                guard case .perform(.send(let recipient, let text)) = action else { return false }
                sends.append((recipient, text))
                return true
            }
            send(await performSends(sends, as: user.name, identity: user.identity))
            mayHaveWritten = true
            return carried
        default:
            await complete(pending)
            mayHaveWritten = true
            return nil
        }
    }

    /// Whether `pending` starts a batch (see ``process(_:)``).
    private static func batches(_ pending: Pending) -> Bool {
        switch pending {
        case .carryOut(.say), .carryOut(.perform(.send)): return true
        default: return false
        }
    }

    /// Begins the inputs already queued while `take` accepts their waiting part, up to ``batchLimit`` in all; returns
    /// the first waiting part it did not take. Meanwhile answers that need no waiting queue behind the batch's.
    private func gather(_ take: (SessionStateMachine.Action) -> Bool) -> Pending? {
        gathering = true
        defer { gathering = false }
        var count = 1
        while count < Self.batchLimit, let input = next() {
            guard let more = begin(input) else { continue }
            guard case .carryOut(let action) = more, take(action) else { return more }
            count += 1
        }
        return nil
    }

    /// The next queued input, or nil when the queue is empty (the claim stays; see ``nextPending()``).
    private func next() -> SessionInput? {
        let (input, resume) = queue.withLock { $0.next(keepingTheClaim: true) }
        if resume { channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
        return input
    }

    /// What is left of an input after its part that needs no waiting.
    private enum Pending {
        case carryOut(SessionStateMachine.Action)
        case finish
    }

    /// Carries out what `input` needs without waiting; returns the rest, which needs a task.
    private func begin(_ input: SessionInput) -> Pending? {
        switch input {
        case .opened:
            hub.register(id, channel: channel)
            let raw = channel
            deadline = raw.eventLoop.scheduleTask(in: loginTimeout) {
                raw.pipeline.fireUserInboundEventTriggered(SessionTimerEvent.loginDeadline)
            }
            return nil
        case .closed:
            guard !finished else { return nil }
            finished = true
            deadline?.cancel()
            expiry?.cancel()
            guard joinedAs == nil else { return .finish }
            debug("Client \(peer) disconnected before logging in")
            machine.connectionClosed()
            hub.unregister(id)
            return nil
        case .established, .frame, .loginTimedOut, .certificateExpired:
            guard !stopped else { return nil }
            switch event(input) {
            case .none:
                break
            case .send(let replies) where !gathering:
                send(replies)
            case let action:
                return .carryOut(action)
            }
            cancelLoginDeadlineOnceIn()
            return nil
        }
    }

    /// Carries out the part of an input that has to wait.
    private func complete(_ pending: Pending) async {
        switch pending {
        case .finish:
            await finish()
        case .carryOut(let action):
            do {
                if try await carryOut(action) == .stop {
                    stopped = true
                    channel.close(promise: nil)
                }
            } catch {
                debug("connection ended with an error: \(error)")
                stopped = true
                channel.close(promise: nil)
            }
            cancelLoginDeadlineOnceIn()
        }
    }

    private func cancelLoginDeadlineOnceIn() {
        if !machine.isLoggingIn, let pending = deadline {
            // Cancel once: cancelling from off the event loop is a hop to it.
            pending.cancel()
            deadline = nil
        }
    }

    private enum Flow { case proceed, stop }

    private func event(_ input: SessionInput) -> SessionStateMachine.Action {
        switch input {
        case .established(let info):
            tlsSummary = "\(info.protocolVersion) \(info.cipher)"
            certificate = info.peer.flatMap { $0.verified ? $0 : nil }
            debug(
                "TLS established",
                metadata: [
                    "tls": "\(tlsSummary)",
                    "cert": "\(info.peer.map { "CN=\($0.commonName ?? "?") \($0.fingerprintSHA256)" } ?? "none")",
                ]
            )
            // A verified certificate without one usable CN is refused, not taken for no certificate: its holder
            // must not pick a name of their own (with client certificates required, or a certificate user's).
            return machine.handshakeCompleted(certificateName: certificate.map { $0.commonName ?? "" })
        case .frame(.overlong):
            if let refusal = floodCheck() { return refusal }
            logRefusedLine("a line over \(maximumLineLength) bytes (line-too-long)")
            return machine.lineRejected(.lineTooLong(limit: maximumLineLength))
        case .frame(.line(let buffer)):
            if let refusal = floodCheck() { return refusal }
            switch CommandParser.decodeLine(buffer.readableBytesView) {
            case .success(let line): return machine.lineReceived(line)
            case .failure(let error):
                logRefusedLine("a line of \(buffer.readableBytes) bytes (\(error.code))")
                return machine.lineRejected(error)
            }
        case .loginTimedOut:
            logger.info("login timed out")
            return machine.loginTimedOut()
        case .certificateExpired:
            logger.notice("client certificate expired during the session")
            leaveReason = .certificateExpired
            return machine.terminate(because: "your client certificate expired")
        case .opened, .closed:
            preconditionFailure("handled by handle(_:)")
        }
    }

    /// Logs the first line refused on this connection (too long, not UTF-8, over the rate); later ones are answered
    /// but not logged, so a client cannot fill the log.
    private func logRefusedLine(_ what: String) {
        guard !loggedRefusedLine else { return }
        loggedRefusedLine = true
        logger.info("refused \(what); further refused lines of this connection are not logged")
    }

    /// Applies the connection's line rate, before login as after: nil to go on, or the refusal to carry out instead.
    private func floodCheck() -> SessionStateMachine.Action? {
        switch flood.line(now: (clock.now - started) / .seconds(1)) {
        case .accept:
            return nil
        case .refuse(let wait):
            logRefusedLine("a line over the rate limit (rate-limited)")
            // Before login the machine repeats its prompt after the error (ordering rule 1).
            return machine.lineRejected(.rateLimited(retryAfterSeconds: Int(wait.rounded(.up))))
        case .disconnect:
            logger.warning("flooding: too many lines refused in a row, closing the connection")
            leaveReason = .flooding
            return machine.terminate(because: "too many lines too fast")
        }
    }

    private func carryOut(_ first: SessionStateMachine.Action) async throws -> Flow {
        var action = first
        while true {
            switch action {
            case .none:
                return .proceed
            case .send(let replies):
                send(replies)
                return .proceed
            case .close(let replies):
                if replies.contains(.disconnected) { leaveReason = .tata }
                // Out of the room before the goodbye: a message sent to this user from now on finds them offline and
                // is queued, and one delivered before is already on its way to the loop, ahead of the `BYE`.
                if let name = joinedAs { await hub.leave(name, connection: id, because: leaveReason) }
                try? await write(replies)
                return .stop
            case .lookUpName(let name):
                action = machine.nameLookedUp(await status(of: name))
            case .verifyPassword(let name, let password, let hash):
                if let seconds = await hub.lockRemaining(of: name, from: source) {
                    action = machine.passwordRefusedWhileLocked(seconds: seconds)
                    continue
                }
                let correct = await Task.detached { PasswordHash.verify(password: password, against: hash) }.value
                if correct { await hub.recordCorrectPassword(for: name, from: source) }
                action = machine.passwordVerified(correct)
            case .recordWrongPassword(let name):
                logger.notice("wrong password", metadata: ["user": "\(name)"])
                let lockSeconds = await hub.recordWrongPassword(for: name, from: source)
                action = machine.wrongPasswordRecorded(lockSeconds: lockSeconds)
            case .join(let name, let identity):
                action = await join(name, identity)
            case .say(let text):
                if let user = machine.user { await say([text], from: user) }
                return .proceed
            case .perform(let command):
                guard let user = machine.user else { preconditionFailure("perform without a user") }
                let replies = await perform(command, as: user.name, identity: user.identity)
                if case .register = command, case .ok = replies.last {
                    machine.registered()
                    await registered(user.name)
                }
                send(replies)
                return .proceed
            }
        }
    }

    private func status(of name: Username) async -> NameStatus {
        let live = await hub.liveStatus(of: name, from: source)
        if let live, live != .online { return live }
        do {
            let kind = try await store.identity(forKey: name.key)?.kind
            if live == .online { return kind == nil ? .online : .onlineIdentity }
            switch kind {
            case nil: return .available
            case .certificate: return .reservedForCertificate
            case .password(let hash): return .registered(passwordHash: hash)
            }
        } catch {
            logger.error("store failed looking up a name: \(error)")
            return .unknown
        }
    }

    private func join(_ name: Username, _ identity: IdentityKind) async -> SessionStateMachine.Action {
        var blocks: Set<String> = []
        var unread = 0
        do {
            if identity == .certificate,
                let refusal = CertificateNameRule.refusal(for: name, stored: try await store.identity(forKey: name.key))
            {
                logger.notice("certificate refused: \(refusal)")
                return machine.joinRefused(refusal)
            }
            if identity.hasIdentity {
                blocks = try await store.blocks(of: name.key)
                unread = try await store.unreadCount(for: name.key)
            }
        } catch {
            logger.error("store failed during login: \(error)")
            return machine.joinRefused(.serverError("could not log you in; try again"))
        }
        let member = RoomMember(name: name, identity: identity, connection: id, blocks: blocks)
        let greeting = SessionStateMachine.greeting(for: name, unread: unread)
        switch await hub.join(member, greeting: greeting) {
        case .failure(let error):
            return machine.joinRefused(error)
        case .success:
            joinedAs = name
            inRoom.store(true, ordering: .relaxed)
            if identity == .certificate, let certificate {
                await hub.attach(certificate, to: id)
                scheduleExpiry(of: certificate)
                await reserveForCertificate(name)
            }
            let credential = certificate.map { "certificate CN=\($0.commonName ?? "?")" } ?? identity.rawValue
            logger.info("Client \(peer) connected [ \(name) ] \(tlsSummary) \(credential)")
            presence = try? await store.recordLogin(
                nameKey: name.key,
                displayName: name.display,
                identityKey: identity.hasIdentity ? name.key : nil,
                at: Date()
            )
            return machine.joined()
        }
    }

    /// Records, once the certificate user is in the room, that the name belongs to certificates from now on.
    private func reserveForCertificate(_ name: Username) async {
        do {
            if try await store.identity(forKey: name.key)?.kind != .certificate {
                // A name registered with a password becomes the certificate's: its password stops working.
                let identity = StoredIdentity(
                    key: name.key,
                    displayName: name.display,
                    kind: .certificate,
                    createdAt: Date()
                )
                if try await store.claimForCertificate(identity) {
                    logger.info("the name \(name) now belongs to certificate users")
                }
            }
        } catch {
            logger.error("could not record the certificate identity: \(error)")
        }
    }

    private func scheduleExpiry(of certificate: PeerIdentity) {
        guard let notAfter = certificate.notAfter else { return }
        let raw = channel
        let seconds = max(0, notAfter.timeIntervalSinceNow)
        expiry = raw.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            raw.pipeline.fireUserInboundEventTriggered(SessionTimerEvent.certificateExpiry)
        }
    }

    /// Sends chat lines to the room (as one delivery) and keeps them for history in the background.
    private func say(_ texts: [String], from user: (name: Username, identity: IdentityKind)) async {
        await hub.say(texts, from: user.name)
        let now = Date()
        let messages = texts.map { text in
            NewMessage(
                at: now,
                senderKey: user.identity.hasIdentity ? user.name.key : nil,
                senderName: user.name.display,
                audience: .room,
                text: text
            )
        }
        let store = self.store
        Task {
            do {
                _ = try await store.append(contentsOf: messages)
            } catch {
                self.logger.error("could not store \(messages.count) chat line(s): \(error)")
            }
        }
    }

    /// A guest registered (before the answer goes out): from now on what reaches them is stored for the identity, and
    /// the rest of the session is the identity's presence, which decides the room lines its history shows.
    private func registered(_ name: Username) async {
        let now = Date()
        await hub.identify(name, connection: id, as: .registered)
        if let guestPresence = presence { try? await store.recordLogout(guestPresence, at: now) }
        presence = try? await store.recordLogin(
            nameKey: name.key,
            displayName: name.display,
            identityKey: name.key,
            at: now
        )
    }

    /// The end of a session that logged in: leave the room (if a close has not already), record the logout.
    private func finish() async {
        if let name = joinedAs {
            await hub.leave(name, connection: id, because: leaveReason)
            logger.info("Client \(peer) is offline [ \(name) ]")
            if let presence {
                try? await store.recordLogout(presence, at: Date())
            }
        }
        machine.connectionClosed()
        hub.unregister(id)
    }

    /// Queues `replies` in one buffer and flushes, without waiting: the channel keeps them in order, and the outbound
    /// queue limit bounds what a reader that does not read can pile up.
    func send(_ replies: [ServerReply]) {
        guard let buffer = encode(replies) else { return }
        // From the drain task the write waits in the loop's queue; the claim must be given up behind it.
        if !channel.eventLoop.inEventLoop { mayHaveWritten = true }
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Like `send(_:)`, then waits until the bytes are handed to the socket; throws if the connection failed first.
    func write(_ replies: [ServerReply]) async throws {
        guard let buffer = encode(replies) else { return }
        try await channel.writeAndFlush(buffer)
    }

    private func encode(_ replies: [ServerReply]) -> ByteBuffer? {
        guard !replies.isEmpty else { return nil }
        var buffer = channel.allocator.buffer(capacity: 64 * replies.count)
        for reply in replies {
            buffer.writeBytes(ReplyFormatter.bytes(for: reply))
        }
        return buffer
    }

    private static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "(unknown)" }
        return "(\(address.ipAddress ?? "?"), \(address.port ?? 0))"
    }
}
