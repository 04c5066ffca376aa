import Logging
import Synchronization

/// Who receives a message, in one place: `send`, `broadcast user … message` and `broadcast message` all go through
/// ``route(_:from:to:)`` or ``broadcast(_:from:)``, and what is stored for them is built here.
///
/// A direct message to a member online here who accepts the sender is delivered at once (and kept for whoever of the
/// two has an identity); to an identity who is offline (or whose connection is already gone) it is queued for their
/// inbox; it is refused to oneself, to a guest who is offline, to a name nobody ever used, and to a recipient who
/// blocks the sender (online or not, one rule: ``RoomMember/accepts(from:blocking:)``).
extension ChatService {
    /// Where one direct message went; the recipient's name as they spell it, however the sender typed it.
    enum Route {
        case delivered(to: Username, recipientHasIdentity: Bool)
        case queued(for: Username)
        case refused(ProtocolError)
    }

    /// What the room says of a direct message's recipient.
    private enum LiveRoute {
        case senderGone
        case absent
        case blocked(by: RoomMember)
        case delivered(to: RoomMember)
    }

    /// Routes one direct message from `sender` to `recipient`: delivers `line` at once when they are online here
    /// and accept it, else decides whether it is queued or refused. Nothing is stored here.
    func route(_ line: ServerReply, from sender: ChatUser, to recipient: Username) async throws -> Route {
        if recipient.key == sender.name.key {
            return .refused(.usage("you cannot send a message to yourself"))
        }
        // One look at the room: whether the sender still holds their seat, and the recipient online here.
        let live = room.withLock { state -> LiveRoute in
            guard state.seats(sender) else { return .senderGone }
            guard let member = state.room.member(recipient.key), sink.isOpen(member.connection) else { return .absent }
            guard member.accepts(from: sender.name.key) else { return .blocked(by: member) }
            sink.deliver([line], to: [member.connection])
            return .delivered(to: member)
        }
        switch live {
        case .senderGone:
            return .refused(.notAllowed("you are no longer in the room"))
        case .blocked(let member):
            return .refused(.blocked(by: member.name))
        case .delivered(let member):
            // What counts is how the recipient is logged in now: a guest holding a name gets nothing stored.
            return .delivered(to: member.name, recipientHasIdentity: member.identity.hasIdentity)
        case .absent:
            break
        }
        if let remote = try await remoteRoute(line, from: sender, to: recipient) { return remote }
        guard let stored = try await store.identity(forKey: recipient.key) else {
            let seen = try await store.hasBeenSeen(nameKey: recipient.key)
            return .refused(seen ? .offlineGuest(recipient) : .unknownUser(recipient.display))
        }
        let spelled = Self.spelling(stored, typed: recipient)
        guard RoomMember.accepts(from: sender.name.key, blocking: try await store.blocks(of: recipient.key)) else {
            return .refused(.blocked(by: spelled))
        }
        return .queued(for: spelled)
    }

    /// Routes a direct message to a recipient online on another node of the cluster: refused if they block the
    /// sender, else relayed there (and answered once the other nodes are sure to get it); nil when they are not.
    private func remoteRoute(_ line: ServerReply, from sender: ChatUser, to recipient: Username) async throws -> Route?
    {
        guard let cluster, let relayed = RelayedLine(line), let holder = try await directory.holder(of: recipient.key),
            holder.connection.node != cluster.node
        else { return nil }
        let blocks = holder.identity.hasIdentity ? try await store.blocks(of: recipient.key) : holder.guestBlocks
        guard RoomMember.accepts(from: sender.name.key, blocking: blocks) else {
            return .refused(.blocked(by: holder.name))
        }
        try await cluster.relayConfirmed(
            .direct(recipient: recipient.key, sender: sender.name.key, line: relayed, node: holder.connection.node)
        )
        return .delivered(to: holder.name, recipientHasIdentity: holder.identity.hasIdentity)
    }

    /// Consecutive `send` commands of one connection, carried out together: each is routed in order (an online
    /// recipient gets it at once), the messages to keep are stored in one append (one group commit, in order), and
    /// the answers come back in order, one per command, each only once its message is durably stored. If the store
    /// fails, a message already delivered is still answered `OK delivered` (it reached its recipient; only its
    /// history copy is lost, and logged), and one that was to be queued is answered with a server error.
    public func send(_ sends: [(recipient: Username, text: String)], from sender: ChatUser) async -> [ServerReply] {
        await directMessages(sends, sealed: false, from: sender)
    }

    /// Consecutive `seal` commands of one connection, carried out as ``send(_:from:)`` carries out `send`s. Only a
    /// certificate user can seal (the message is signed with that certificate), and only to a certificate user (it
    /// is encrypted to theirs); the server checks only the sealed message's form, which the parser did.
    public func seal(_ seals: [(recipient: Username, sealed: String)], from sender: ChatUser) async -> [ServerReply] {
        guard sender.identity == .certificate else {
            let refusal = ProtocolError.notAllowed(
                "sealed messages are signed with a client certificate; you logged in without one"
            )
            return seals.map { _ in .error(refusal) }
        }
        return await directMessages(seals.map { ($0.recipient, $0.sealed) }, sealed: true, from: sender)
    }

    private func directMessages(
        _ sends: [(recipient: Username, text: String)],
        sealed: Bool,
        from sender: ChatUser
    ) async -> [ServerReply] {
        await tracked(else: sends.map { _ in .error(Self.shuttingDownError) }) {
            var answers: [ServerReply?] = []
            var toStore: [(index: Int, message: NewMessage, answer: ServerReply, delivered: Bool)] = []
            for (index, send) in sends.enumerated() {
                do {
                    if sealed, let refusal = try await sealRefusal(to: send.recipient) {
                        answers.append(.error(refusal))
                        continue
                    }
                    let line: ServerReply =
                        sealed
                        ? .sealed(from: sender.name.display, sealed: send.text)
                        : .privateMessage(from: sender.name.display, text: send.text)
                    let kept: (NewMessage?, ServerReply, delivered: Bool)
                    switch try await route(line, from: sender, to: send.recipient) {
                    case .refused(let error):
                        answers.append(.error(error))
                        continue
                    case .delivered(let recipient, let hasIdentity):
                        kept = (
                            directMessage(send.text, from: sender, to: [(recipient, hasIdentity, .delivered)]),
                            .ok(OKSummary.delivered(to: recipient)),
                            true
                        )
                    case .queued(let recipient):
                        kept = (
                            directMessage(send.text, from: sender, to: [(recipient, true, .unread)]),
                            .ok(OKSummary.queued(for: recipient)),
                            false
                        )
                    }
                    if var message = kept.0 {
                        if sealed { message.audience = .sealed(recipients: message.audience.recipients) }
                        toStore.append((index, message, kept.1, kept.delivered))
                        answers.append(nil)
                    } else {
                        answers.append(kept.1)
                    }
                } catch {
                    logger(for: sender).error("send failed: \(error)", metadata: ["recipient": "\(send.recipient)"])
                    answers.append(.error(.serverError()))
                }
            }
            if !toStore.isEmpty {
                do {
                    _ = try await store.append(contentsOf: toStore.map(\.message))
                    for item in toStore { answers[item.index] = item.answer }
                    metrics.countQueued(toStore.count { !$0.delivered })
                } catch {
                    logger(for: sender).error("could not store \(toStore.count) direct message(s): \(error)")
                    for item in toStore { answers[item.index] = item.delivered ? item.answer : .error(.serverError()) }
                }
            }
            let replies = answers.map { $0 ?? .error(.serverError()) }
            metrics.countPrivate(replies.count { if case .ok = $0 { true } else { false } })
            return replies
        }
    }

    /// Why nothing can be sealed to `recipient`, or nil when they are a certificate user.
    func sealRefusal(to recipient: Username) async throws -> ProtocolError? {
        switch try await store.identity(forKey: recipient.key)?.kind {
        case .certificate:
            return nil
        case .password:
            return .noCertificate(
                recipient.display,
                "logs in with a password, not a certificate: nothing can be sealed to them"
            )
        case nil:
            guard try await store.hasBeenSeen(nameKey: recipient.key) else { return .unknownUser(recipient.display) }
            return .noCertificate(recipient.display, "is a guest, without a certificate: nothing can be sealed to them")
        }
    }

    /// `broadcast message`: to everybody in the room who accepts the sender; returns how many that was (in a
    /// cluster: with everybody online on the other nodes, who each decide there whether they accept it). Kept for
    /// history in the background.
    func broadcast(_ text: String, from sender: ChatUser) async -> Int {
        let line = ServerReply.broadcast(from: sender.name.display, text: text)
        let local = room.withLock { state -> Int? in
            guard state.seats(sender) else { return nil }
            relay([line], from: sender.name.key)
            guard let recipients = state.room.recipients(from: sender.name.key) else { return 0 }
            sink.deliver([line], to: recipients)
            return recipients.count
        }
        guard var count = local else { return 0 }
        metrics.countBroadcast()
        if let cluster, let everyone = try? await directory.everyone() {
            count += everyone.filter { $0.connection.node != cluster.node }.count
        }
        storeInBackground([message(text, from: sender, audience: .everyone, at: clock.now())], what: "broadcast")
        return count
    }

    /// `broadcast user <names> message <text>`: each recipient routed like a `send`, one line per recipient saying
    /// what became of it, and one stored message for all of them.
    func broadcast(_ text: String, from sender: ChatUser, to recipients: [Username]) async throws -> [ServerReply] {
        var lines: [ServerReply] = []
        var stored: [(Username, Bool, RecipientEntry.State)] = []
        var counts = (delivered: 0, queued: 0, failed: 0)
        // Names as their owners spell them, not as the sender typed them; the line lists only those who can be
        // reached (no unknown name, not the sender, each once).
        var known: [Username?] = []
        for recipient in recipients { known.append(await knownSpelling(of: recipient)) }
        var listed: [Username] = []
        for case let recipient? in known where recipient.key != sender.name.key && !listed.contains(recipient) {
            listed.append(recipient)
        }
        let line = ServerReply.listBroadcast(from: sender.name.display, to: listed.map(\.display), text: text)
        for (recipient, spelled) in zip(recipients, known) {
            switch try await route(line, from: sender, to: recipient) {
            case .refused(let error):
                counts.failed += 1
                lines.append(.delivery((spelled ?? recipient).display, status: .failed, explanation: error.message))
            case .delivered(let spelled, let hasIdentity):
                counts.delivered += 1
                stored.append((spelled, hasIdentity, .delivered))
                lines.append(.delivery(spelled.display, status: .delivered, explanation: "online now"))
            case .queued(let spelled):
                counts.queued += 1
                stored.append((spelled, true, .unread))
                lines.append(
                    .delivery(spelled.display, status: .queued, explanation: "offline; stored for the inbox")
                )
            }
        }
        if !stored.isEmpty, var message = directMessage(text, from: sender, to: stored) {
            // Kept like a `send` to these recipients, marked as a list broadcast so `INBOX` can say so.
            message.audience = .userList(recipients: message.audience.recipients)
            _ = try await store.append(message)
            metrics.countQueued(counts.queued)
        }
        if counts.delivered + counts.queued > 0 { metrics.countBroadcast() }
        return lines + [
            .ok(OKSummary.deliveries(delivered: counts.delivered, queued: counts.queued, failed: counts.failed))
        ]
    }

    /// The direct message to keep, or nil when neither side has an identity (a guest's history is never stored).
    /// Guest recipients are kept by name only (no key), so they show in the sender's history but own nothing.
    private func directMessage(
        _ text: String,
        from sender: ChatUser,
        to recipients: [(Username, Bool, RecipientEntry.State)]
    ) -> NewMessage? {
        guard sender.identity.hasIdentity || recipients.contains(where: { $0.1 }) else { return nil }
        let entries = recipients.map { recipient, hasIdentity, state in
            RecipientEntry(key: hasIdentity ? recipient.key : nil, name: recipient.display, state: state)
        }
        return message(text, from: sender, audience: .direct(recipients: entries), at: clock.now())
    }
}
