import ChatCore
import Foundation
import Logging
import SecureChatTLS

extension ConnectionSession {
    /// How many stored messages one `inbox` answer shows at most.
    static let inboxPageSize = 200
    /// How many bytes one `inbox` or `history` answer may take on the wire: 256 KiB, or a quarter of the outbound
    /// queue limit if that is less, so a big answer never makes its own reader look slow (and get dropped).
    /// An answer always holds at least one line.
    static func answerByteBudget(outboundQueueLimit: Int) -> Int {
        min(256 * 1024, outboundQueueLimit / 4)
    }

    /// Carries out `command` for `name` and returns its answer, ending in exactly one `OK` or `ERROR`.
    func perform(_ command: ClientCommand, as name: Username, identity: IdentityKind) async -> [ServerReply] {
        do {
            switch command {
            case .whoelse:
                let others = await hub.others(than: name)
                return others.map { .user($0.display) } + [.ok(OKSummary.othersOnline(others.count))]
            case .wholast(let minutes):
                return try await wholast(minutes: minutes, for: name)
            case .send(let recipient, let text):
                return await performSends([(recipient, text)], as: name, identity: identity)
            case .broadcastAll(let text):
                let count = await hub.broadcast(text, from: name)
                storeInBackground(text, from: name, identity: identity, audience: .everyone)
                return [.ok(OKSummary.broadcast(reached: count))]
            case .broadcastUsers(let recipients, let text):
                return try await broadcast(text, from: name, identity: identity, to: recipients)
            case .inbox:
                return try await inbox(for: name, identity: identity)
            case .read(let id):
                return try await read(upTo: id, for: name, identity: identity)
            case .history(let limit):
                return try await history(for: name, identity: identity, limit: limit)
            case .block(let target):
                return try await block(target, by: name, identity: identity)
            case .unblock(let target):
                return try await unblock(target, by: name, identity: identity)
            case .blocked:
                // Blocks are kept by key; each is shown as its owner spells the name.
                var names: [String] = []
                for key in await hub.blocks(of: name).sorted() {
                    if let typed = try? Username.validate(key).get() {
                        names.append(await spelling(of: typed).display)
                    } else {
                        names.append(key)
                    }
                }
                return names.map { .user($0) } + [.ok(OKSummary.blockedUsers(names.count))]
            case .register(let password):
                return try await register(name, identity: identity, password: password)
            case .help(let topic):
                return CommandTable.helpAnswer(for: topic)
            case .ping:
                return [.ok("pong")]
            case .pong:
                return []
            case .tata:
                preconditionFailure("tata is handled by the session state machine")
            }
        } catch {
            logger.error("command failed: \(error)", metadata: ["command": "\(command)"])
            return [.error(.serverError())]
        }
    }

    private func wholast(minutes: Int, for name: Username) async throws -> [ServerReply] {
        let since = Date().addingTimeInterval(-Double(minutes) * 60)
        var lines: [ServerReply] = []
        for seen in try await store.recentlySeen(since: since) {
            if seen.nameKey == name.key { continue }
            if await hub.isOnline(seen.nameKey) { continue }
            lines.append(.userLastSeen(seen.displayName, at: seen.lastSeen))
        }
        return lines + [.ok(OKSummary.lastSeen(lines.count, minutes: minutes))]
    }

    /// Carries out consecutive `send` commands of this connection together: each is routed in order (an online
    /// recipient gets it at once), the messages to keep are stored in one append (one group commit, in order), and
    /// the answers come back in order, one per command, each only once its message is durably stored.
    func performSends(
        _ sends: [(recipient: Username, text: String)],
        as name: Username,
        identity: IdentityKind
    ) async -> [ServerReply] {
        var answers: [ServerReply?] = []
        var toStore: [(index: Int, message: NewMessage, answer: ServerReply)] = []
        for (index, send) in sends.enumerated() {
            do {
                let answer: ServerReply
                let message: NewMessage?
                switch try await route(send.text, from: name, to: send.recipient) {
                case .failed(let error):
                    answers.append(.error(error))
                    continue
                case .delivered(let recipient, let hasIdentity):
                    answer = .ok(OKSummary.delivered(to: recipient))
                    message = directMessage(
                        send.text,
                        from: name,
                        identity: identity,
                        to: [(recipient, hasIdentity, .delivered)]
                    )
                case .queued(let recipient):
                    answer = .ok(OKSummary.queued(for: recipient))
                    message = directMessage(
                        send.text,
                        from: name,
                        identity: identity,
                        to: [(recipient, true, .unread)]
                    )
                }
                if let message {
                    toStore.append((index, message, answer))
                    answers.append(nil)
                } else {
                    answers.append(answer)
                }
            } catch {
                logger.error("send failed: \(error)", metadata: ["recipient": "\(send.recipient)"])
                answers.append(.error(.serverError()))
            }
        }
        if !toStore.isEmpty {
            do {
                _ = try await store.append(contentsOf: toStore.map(\.message))
                for item in toStore { answers[item.index] = item.answer }
            } catch {
                logger.error("could not store \(toStore.count) direct message(s): \(error)")
                for item in toStore { answers[item.index] = .error(.serverError()) }
            }
        }
        return answers.map { $0 ?? .error(.serverError()) }
    }

    private func broadcast(
        _ text: String,
        from name: Username,
        identity: IdentityKind,
        to recipients: [Username]
    ) async throws -> [ServerReply] {
        var lines: [ServerReply] = []
        var stored: [(Username, Bool, RecipientEntry.State)] = []
        var counts = (delivered: 0, queued: 0, failed: 0)
        // Names as their owners spell them, not as the sender typed them; the line lists only those who can be
        // reached (no unknown name, not the sender, each once).
        var known: [Username?] = []
        for recipient in recipients { known.append(await knownSpelling(of: recipient)) }
        var listed: [Username] = []
        for case let recipient? in known where recipient.key != name.key && !listed.contains(recipient) {
            listed.append(recipient)
        }
        let line = ServerReply.listBroadcast(from: name.display, to: listed.map(\.display), text: text)
        for (recipient, spelled) in zip(recipients, known) {
            switch try await route(text, from: name, to: recipient, as: line) {
            case .failed(let error):
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
        if !stored.isEmpty, var message = directMessage(text, from: name, identity: identity, to: stored) {
            // Kept like a `send` to these recipients, marked as a list broadcast so `INBOX` can say so.
            message.audience = .userList(recipients: message.audience.recipients)
            _ = try await store.append(message)
        }
        return lines + [
            .ok(OKSummary.deliveries(delivered: counts.delivered, queued: counts.queued, failed: counts.failed))
        ]
    }

    /// How `name`'s owner spells it: as online now, else as registered, else as typed.
    private func spelling(of name: Username) async -> Username {
        await knownSpelling(of: name) ?? name
    }

    /// How `name`'s owner spells it, online now or registered; nil when it is neither.
    private func knownSpelling(of name: Username) async -> Username? {
        if let online = await hub.onlineName(name.key) { return online }
        guard let stored = try? await store.identity(forKey: name.key) else { return nil }
        // A stored spelling that no longer passes today's name rules is shown as typed.
        return (try? Username.validate(stored.displayName).get()) ?? name
    }

    /// Where a direct message went; the recipient's name as they registered it, however the sender typed it.
    private enum RouteOutcome {
        case delivered(to: Username, recipientHasIdentity: Bool)
        case queued(for: Username)
        case failed(ProtocolError)
    }

    /// Routes one direct message; `line` is what the recipient gets when online (a `PRIVATE` line unless given).
    private func route(
        _ text: String,
        from name: Username,
        to recipient: Username,
        as line: ServerReply? = nil
    ) async throws -> RouteOutcome {
        if recipient.key == name.key {
            return .failed(.usage("you cannot send a message to yourself"))
        }
        let reply = line ?? .privateMessage(from: name.display, text: text)
        switch await hub.sendDirect(reply, from: name, to: recipient) {
        case .online(let member):
            // What counts is how the recipient is logged in now: a guest holding a name gets nothing stored.
            return .delivered(to: member.name, recipientHasIdentity: member.identity.hasIdentity)
        case .blocked:
            return .failed(.blocked(by: await spelling(of: recipient)))
        case .offline:
            guard let stored = try await store.identity(forKey: recipient.key) else {
                let seen = try await store.hasBeenSeen(nameKey: recipient.key)
                return .failed(seen ? .offlineGuest(recipient) : .unknownUser(recipient.display))
            }
            // A stored spelling that no longer passes today's name rules is shown as typed.
            let spelled = (try? Username.validate(stored.displayName).get()) ?? recipient
            if try await store.blocks(of: recipient.key).contains(name.key) {
                return .failed(.blocked(by: spelled))
            }
            return .queued(for: spelled)
        }
    }

    /// The direct message to keep, or nil when neither side has an identity (a guest's history is never stored).
    private func directMessage(
        _ text: String,
        from name: Username,
        identity: IdentityKind,
        to recipients: [(Username, Bool, RecipientEntry.State)]
    ) -> NewMessage? {
        guard identity.hasIdentity || recipients.contains(where: { $0.1 }) else { return nil }
        // Guest recipients are kept by name only (no key), so they show in the sender's history but own nothing.
        let entries = recipients.map { recipient, hasIdentity, state in
            RecipientEntry(key: hasIdentity ? recipient.key : nil, name: recipient.display, state: state)
        }
        return NewMessage(
            at: Date(),
            senderKey: identity.hasIdentity ? name.key : nil,
            senderName: name.display,
            audience: .direct(recipients: entries),
            text: text
        )
    }

    private func storeInBackground(
        _ text: String,
        from name: Username,
        identity: IdentityKind,
        audience: MessageAudience
    ) {
        let message = NewMessage(
            at: Date(),
            senderKey: identity.hasIdentity ? name.key : nil,
            senderName: name.display,
            audience: audience,
            text: text
        )
        let store = self.store
        Task {
            do {
                _ = try await store.append(message)
            } catch {
                self.logger.error("could not store a broadcast: \(error)")
            }
        }
    }

    /// One page of unread messages, oldest first. Showing marks nothing read: asking for the next page acknowledges
    /// the ones this connection was shown before, and so does `read`.
    private func inbox(for name: Username, identity: IdentityKind) async throws -> [ServerReply] {
        guard identity.hasIdentity else { return [.error(Self.guestsHaveNoInbox)] }
        _ = try await acknowledgeShown(upTo: nil, for: name)
        let unread = try await store.unreadInbox(for: name.key)
        var lines: [ServerReply] = []
        var ids: [MessageID] = []
        var bytes = 0
        for message in unread.prefix(Self.inboxPageSize) {
            let line = ServerReply.inbox(
                id: message.id,
                at: message.at,
                kind: message.inboxKind,
                from: message.senderName,
                text: message.text
            )
            bytes += ReplyFormatter.bytes(for: line).count
            if bytes > answerByteBudget, !lines.isEmpty { break }
            lines.append(line)
            ids.append(message.id)
        }
        shownInbox.show(ids)
        return lines + [.ok(OKSummary.inboxPage(lines.count, more: unread.count - lines.count))]
    }

    /// `read [<id>]`: acknowledges what `inbox` showed this connection, up to `id` or all of it.
    private func read(upTo id: MessageID?, for name: Username, identity: IdentityKind) async throws -> [ServerReply] {
        guard identity.hasIdentity else { return [.error(Self.guestsHaveNoInbox)] }
        let count = try await acknowledgeShown(upTo: id, for: name)
        return [.ok(OKSummary.markedRead(count))]
    }

    /// Marks read the messages this connection was shown with an id up to `id` (all when nil); returns how many.
    private func acknowledgeShown(upTo id: MessageID?, for name: Username) async throws -> Int {
        let ids = shownInbox.acknowledged(by: id)
        try await store.markRead(for: name.key, ids: ids)
        shownInbox.forget(ids)
        return ids.count
    }

    private static let guestsHaveNoInbox = ProtocolError.notAllowed("guests have no inbox; register a password first")

    private func history(for name: Username, identity: IdentityKind, limit: Int) async throws -> [ServerReply] {
        guard identity.hasIdentity else {
            return [.error(.notAllowed("guests have no history; register a password first"))]
        }
        let messages = try await store.history(for: name.key, limit: limit)
        // Newest first within the byte budget, then shown oldest first.
        var lines: [ServerReply] = []
        var bytes = 0
        for message in messages.reversed() {
            let line = ServerReply.history(
                at: message.at,
                from: message.senderName,
                to: message.recipientDescription,
                text: message.text
            )
            bytes += ReplyFormatter.bytes(for: line).count
            if bytes > answerByteBudget, !lines.isEmpty { break }
            lines.append(line)
        }
        let omitted = messages.count - lines.count
        let note = omitted > 0 ? "; \(omitted) older ones left out (too long for one answer)" : ""
        return lines.reversed() + [.ok(OKSummary.history(lines.count) + note)]
    }

    private func block(_ target: Username, by name: Username, identity: IdentityKind) async throws -> [ServerReply] {
        if target.key == name.key { return [.error(.usage("you cannot block yourself"))] }
        guard try await exists(target) else { return [.error(.unknownUser(target.display))] }
        _ = await hub.block(target.key, by: name)
        if identity.hasIdentity { try await store.block(owner: name.key, target: target.key, at: Date()) }
        return [.ok(OKSummary.blocked(await spelling(of: target)))]
    }

    /// Whether `name` is anybody: online, an identity, or a guest who was ever seen (and may come back).
    private func exists(_ name: Username) async throws -> Bool {
        if await hub.isOnline(name.key) { return true }
        if try await store.identity(forKey: name.key) != nil { return true }
        return try await store.hasBeenSeen(nameKey: name.key)
    }

    private func unblock(_ target: Username, by name: Username, identity: IdentityKind) async throws -> [ServerReply] {
        let wasLive = await hub.unblock(target.key, by: name)
        var wasStored = false
        if identity.hasIdentity { wasStored = try await store.unblock(owner: name.key, target: target.key) }
        let spelled = await spelling(of: target)
        if wasLive || wasStored { return [.ok(OKSummary.unblocked(spelled))] }
        return [.ok("you were not blocking \(spelled.display)")]
    }

    private func register(_ name: Username, identity: IdentityKind, password: String) async throws -> [ServerReply] {
        switch identity {
        case .certificate: return [.error(.notAllowed("you log in with a certificate; it needs no password"))]
        case .registered: return [.error(.alreadyRegistered(name))]
        case .guest: break
        }
        let hash = await Task.detached { PasswordHash.make(password: password) }.value
        do {
            try await store.createIdentity(
                StoredIdentity(key: name.key, displayName: name.display, kind: .password(hash: hash), createdAt: Date())
            )
        } catch let error as StoreError where error == .alreadyExists {
            return [.error(.alreadyRegistered(name))]
        }
        // Blocks made as a guest lived only in the room; keep them now that there is an identity. The identity
        // exists from here on, so a failure to copy a block is logged, not reported as a failed registration.
        let now = Date()
        for target in await hub.blocks(of: name) {
            do {
                try await store.block(owner: name.key, target: target, at: now)
            } catch {
                logger.error("could not keep a block made as a guest: \(error)")
            }
        }
        logger.info("name registered", metadata: ["user": "\(name)"])
        return [.ok(OKSummary.registered(name))]
    }
}
