import Foundation
public import Logging
import Synchronization

/// The chat's rules, in one place and without I/O: who may log in as whom, who receives what, what is stored, what
/// each command answers. Connections (TLS today, WebSocket or another node tomorrow) call it with what their user did
/// and get back what to answer; lines for other connections go to the ``DeliverySink``, who is online is asked of
/// the ``PresenceDirectory``, and what lasts is kept in the ``MessageStore``. Time comes from the ``ChatClock``.
///
/// The room (the members of this server, with their blocks) sits behind one lock, taken briefly and never across a
/// wait: every line is handed to the sink under it, so all recipients see the room's events in one order. Each
/// connection's own state is the ``ChatUser`` value it passes in, so a call never waits for another connection's.
///
/// Everything it starts (calls in progress, chat lines stored in the background) is counted: ``close()`` waits for
/// it before closing the store.
public final class ChatService: Sendable {
    /// Sizes of answers.
    public struct Limits: Sendable {
        /// How many stored messages one `inbox` answer shows at most.
        public var inboxPageSize: Int
        /// How many bytes one `inbox` or `history` answer may take on the wire (it always holds at least one line).
        public var answerByteBudget: Int

        public init(inboxPageSize: Int = 200, answerByteBudget: Int = 256 * 1024) {
            self.inboxPageSize = inboxPageSize
            self.answerByteBudget = answerByteBudget
        }
    }

    struct RoomState {
        var room = ChatRoom()
        /// No one joins any more, and leaving is not announced (everyone is told the server is going).
        var shuttingDown = false

        /// Whether `user` is in the room on its own connection: an expelled session (whose name may be someone
        /// else's by now) speaks for nobody.
        func seats(_ user: ChatUser) -> Bool {
            room.member(user.name.key)?.connection == user.connection
        }
    }

    let store: any MessageStore
    let directory: any PresenceDirectory
    let sink: any DeliverySink
    /// The other servers of a cluster; nil for a server that runs alone.
    let cluster: (any ClusterLink)?
    let hasher: any PasswordHasher
    let clock: any ChatClock
    let limits: Limits
    let metrics: ChatMetrics
    let logger: Logger
    let room = Mutex(RoomState())
    let work = ServiceWork()

    public init(
        store: any MessageStore,
        directory: any PresenceDirectory,
        sink: any DeliverySink,
        hasher: any PasswordHasher,
        clock: any ChatClock = SystemChatClock(),
        limits: Limits = Limits(),
        cluster: (any ClusterLink)? = nil,
        metrics: ChatMetrics = ChatMetrics(),
        logger: Logger
    ) {
        self.metrics = metrics
        self.store = store
        self.directory = directory
        self.sink = sink
        self.cluster = cluster
        self.hasher = hasher
        self.clock = clock
        self.limits = limits
        self.logger = logger
    }

    // MARK: Life

    /// No one joins from now on, and leaving is no longer announced; the transport tells everyone itself.
    public func shutDown() {
        room.withLock { $0.shuttingDown = true }
    }

    /// Waits for everything under way (calls in progress, background stores), then closes the store; calls that
    /// begin afterwards do nothing and answer with an error.
    public func close() async throws {
        shutDown()
        await work.close()
        try await store.close()
    }

    // MARK: Chat

    /// Chat lines from `user` to everybody in the room who accepts them, as one delivery (each recipient gets them
    /// together, in order); kept for history in the background.
    public func say(_ texts: [String], from user: ChatUser) {
        guard !texts.isEmpty else { return }
        let seated = room.withLock { state -> Bool in
            guard state.seats(user) else { return false }
            let replies = texts.map { ServerReply.chat(from: user.name.display, text: $0) }
            if let recipients = state.room.recipients(from: user.name.key) { sink.deliver(replies, to: recipients) }
            relay(replies, from: user.name.key)
            return true
        }
        guard seated else { return }
        metrics.countChat(texts.count)
        let now = clock.now()
        let messages = texts.map { message($0, from: user, audience: .room, at: now) }
        storeInBackground(messages, what: "chat line(s)")
    }

    // MARK: Cluster

    /// Hands `replies` from `senderKey` to the other nodes of a cluster, if any, for their users who accept them.
    /// Called under the room's lock, right after this node's own users got them.
    func relay(_ replies: [ServerReply], from senderKey: String) {
        guard let cluster else { return }
        cluster.relay(.room(sender: senderKey, lines: replies.compactMap(RelayedLine.init)))
    }

    /// What another node of the cluster sent: shown to the users here who accept it, as if it were said here.
    public func receive(_ message: ClusterMessage) {
        room.withLock { state in
            switch message {
            case .room(let sender, let lines):
                guard let recipients = state.room.connections(acceptingFrom: sender) else { return }
                sink.deliver(lines.map(\.reply), to: recipients)
            case .direct(let recipient, let sender, let line, let node):
                guard let member = state.room.member(recipient), sink.isOpen(member.connection),
                    member.accepts(from: sender)
                else {
                    // Every node hears it; only the one that held the recipient has lost something.
                    guard node == nil || node == cluster?.node else { return }
                    logger.warning(
                        "a private line from another node found its recipient gone",
                        metadata: ["user": "\(recipient)", "from": "\(sender)"]
                    )
                    return
                }
                sink.deliver([line.reply], to: [member.connection])
            case .removal(let recipient, let node, let reason):
                guard node == cluster?.node, let member = state.room.member(recipient) else { return }
                let spawned = work.spawn { [self] in
                    guard await removeHere(member.connection, reason: reason) else { return }
                    logger.notice(
                        "removed \(member.name) at the request of another node's operator",
                        metadata: ["event": "kick", "conn": "\(member.connection)", "user": "\(member.name)"]
                    )
                }
                if !spawned {
                    logger.warning("not removed (the server is stopping)", metadata: ["user": "\(recipient)"])
                }
            }
        }
    }

    /// Another node of the cluster was removed (it died, or lost the database for longer than its lease) with the
    /// users in `names` (as they spelled them): they left unexpectedly.
    public func nodeRemoved(holding names: [String]) {
        for name in names {
            guard case .success(let username) = Username.validate(name) else { continue }
            receive(.room(sender: username.key, lines: [.leftUnexpectedly(username.display)]))
        }
    }

    // MARK: Helpers

    /// Runs `body` as counted work; `refused` when the service is closing.
    func tracked<T: Sendable>(else refused: T, _ body: () async -> T) async -> T {
        guard work.enter() else { return refused }
        defer { work.leave() }
        return await body()
    }

    /// Stores `messages` in a task ``close()`` waits for; a failure is logged (nobody is waiting for an answer).
    func storeInBackground(_ messages: [NewMessage], what: String) {
        let store = self.store
        let logger = self.logger
        let spawned = work.spawn {
            do {
                _ = try await store.append(contentsOf: messages)
            } catch {
                logger.error("could not store \(messages.count) \(what): \(error)")
            }
        }
        if !spawned { logger.warning("not stored (the server is stopping): \(messages.count) \(what)") }
    }

    /// The message `user` sends with `text` to `audience`, as stored.
    func message(_ text: String, from user: ChatUser, audience: MessageAudience, at time: Date) -> NewMessage {
        NewMessage(
            at: time,
            senderKey: user.identity.hasIdentity ? user.name.key : nil,
            senderName: user.name.display,
            audience: audience,
            text: text
        )
    }

    /// The service's logger with `user`'s name and connection.
    func logger(for user: ChatUser) -> Logger {
        var logger = self.logger
        logger[metadataKey: "conn"] = "\(user.connection)"
        logger[metadataKey: "user"] = "\(user.name)"
        return logger
    }
}
