import Foundation
import Logging
import Synchronization

/// The answers to the commands of a logged-in user (chat lines and `send` have their own entry points: they are
/// carried out in batches).
extension ChatService {
    /// Carries out `command` for `user` and returns its answer, ending in exactly one `OK` or `ERROR`. `register`
    /// gives `user` its identity.
    public func perform(_ command: ClientCommand, for user: inout ChatUser) async -> [ServerReply] {
        if case .send(let recipient, let text) = command {
            return await send([(recipient, text)], from: user)
        }
        if case .seal(let recipient, let sealed) = command {
            return await seal([(recipient, sealed)], from: user)
        }
        return await tracked(else: [.error(Self.shuttingDownError)]) {
            do {
                return try await answer(command, for: &user)
            } catch {
                logger(for: user).error("command failed: \(error)", metadata: ["command": "\(command)"])
                return [.error(.serverError())]
            }
        }
    }

    private func answer(_ command: ClientCommand, for user: inout ChatUser) async throws -> [ServerReply] {
        switch command {
        case .whoelse:
            let others = try await directory.everyone().map(\.name).filter { $0.key != user.name.key }.sorted {
                $0.key < $1.key
            }
            return others.map { .user($0.display) } + [.ok(OKSummary.othersOnline(others.count))]
        case .wholast(let minutes):
            return try await wholast(minutes: minutes, for: user)
        case .send(let recipient, let text):
            return await send([(recipient, text)], from: user)
        case .seal(let recipient, let sealed):
            return await seal([(recipient, sealed)], from: user)
        case .certificate(let name):
            return try await certificate(of: name)
        case .broadcastAll(let text):
            return [.ok(OKSummary.broadcast(reached: await broadcast(text, from: user)))]
        case .broadcastUsers(let recipients, let text):
            return try await broadcast(text, from: user, to: recipients)
        case .inbox:
            return try await inbox(for: &user)
        case .read(let id):
            guard user.identity.hasIdentity else { return [.error(Self.guestsHaveNoInbox)] }
            return [.ok(OKSummary.markedRead(try await acknowledgeShown(upTo: id, for: &user)))]
        case .history(let limit):
            return try await history(for: user, limit: limit)
        case .block(let target):
            return try await block(target, by: user)
        case .unblock(let target):
            return try await unblock(target, by: user)
        case .blocked:
            // Blocks are kept by key; each is shown as its owner spells the name.
            var names: [String] = []
            for key in blocks(of: user).sorted() {
                if let typed = try? Username.validate(key).get() {
                    names.append(await spelling(of: typed).display)
                } else {
                    names.append(key)
                }
            }
            return names.map { .user($0) } + [.ok(OKSummary.blockedUsers(names.count))]
        case .register(let password):
            return try await register(&user, password: password)
        case .help(let topic):
            return CommandTable.helpAnswer(for: topic)
        case .ping:
            return [.ok("pong")]
        case .pong:
            return []
        case .tata:
            preconditionFailure("tata is handled by the session state machine")
        }
    }

    private func wholast(minutes: Int, for user: ChatUser) async throws -> [ServerReply] {
        let since = clock.now().addingTimeInterval(-Double(minutes) * 60)
        let online = Set(try await directory.everyone().map(\.name.key))
        let lines: [ServerReply] = try await store.recentlySeen(since: since)
            .filter { $0.nameKey != user.name.key && !online.contains($0.nameKey) }
            .map { .userLastSeen($0.displayName, at: $0.lastSeen) }
        return lines + [.ok(OKSummary.lastSeen(lines.count, minutes: minutes))]
    }

    /// `cert <name>`: the certificate `name` last logged in with, for the client to check and seal to.
    private func certificate(of name: Username) async throws -> [ServerReply] {
        guard let der = try await store.certificate(forKey: name.key) else {
            if let refusal = try await sealRefusal(to: name) { return [.error(refusal)] }
            return [
                .error(
                    .noCertificate(
                        name.display,
                        "has not logged in with a certificate since this server began keeping them; ask them to log in once"
                    )
                )
            ]
        }
        let spelled = await spelling(of: name)
        return [
            .certificate(name: spelled.display, der: Data(der).base64EncodedString()),
            .ok("certificate of \(spelled.display)"),
        ]
    }

    // MARK: Inbox and history

    static let guestsHaveNoInbox = ProtocolError.notAllowed("guests have no inbox; register a password first")

    /// One page of unread messages, oldest first. Showing marks nothing read: asking for the next page acknowledges
    /// the ones this connection was shown before, and so does `read`.
    private func inbox(for user: inout ChatUser) async throws -> [ServerReply] {
        guard user.identity.hasIdentity else { return [.error(Self.guestsHaveNoInbox)] }
        _ = try await acknowledgeShown(upTo: nil, for: &user)
        let unread = try await store.unreadInbox(for: user.name.key)
        var lines: [ServerReply] = []
        var ids: [MessageID] = []
        var bytes = 0
        for message in unread.prefix(limits.inboxPageSize) {
            let line = ServerReply.inbox(
                id: message.id,
                at: message.at,
                kind: message.inboxKind,
                from: message.senderName,
                text: message.text
            )
            bytes += ReplyFormatter.bytes(for: line).count
            if bytes > limits.answerByteBudget, !lines.isEmpty { break }
            lines.append(line)
            ids.append(message.id)
        }
        user.shownInbox.show(ids)
        return lines + [.ok(OKSummary.inboxPage(lines.count, more: unread.count - lines.count))]
    }

    /// Marks read the messages this connection was shown with an id up to `id` (all when nil); returns how many.
    private func acknowledgeShown(upTo id: MessageID?, for user: inout ChatUser) async throws -> Int {
        let ids = user.shownInbox.acknowledged(by: id)
        try await store.markRead(for: user.name.key, ids: ids)
        user.shownInbox.forget(ids)
        return ids.count
    }

    private func history(for user: ChatUser, limit: Int) async throws -> [ServerReply] {
        guard user.identity.hasIdentity else {
            return [.error(.notAllowed("guests have no history; register a password first"))]
        }
        let messages = try await store.history(for: user.name.key, limit: limit)
        // Newest first within the byte budget, then shown oldest first.
        var lines: [ServerReply] = []
        var bytes = 0
        for message in messages.reversed() {
            let line: ServerReply =
                message.isSealed
                ? .sealedHistory(
                    at: message.at,
                    from: message.senderName,
                    to: message.recipientDescription,
                    sealed: message.text
                )
                : .history(
                    at: message.at,
                    from: message.senderName,
                    to: message.recipientDescription,
                    text: message.text
                )
            bytes += ReplyFormatter.bytes(for: line).count
            if bytes > limits.answerByteBudget, !lines.isEmpty { break }
            lines.append(line)
        }
        let omitted = messages.count - lines.count
        let note = omitted > 0 ? "; \(omitted) older ones left out (too long for one answer)" : ""
        return lines.reversed() + [.ok(OKSummary.history(lines.count) + note)]
    }

    // MARK: Blocks

    /// The keys `user` blocks: the room's copy, loaded from the store at login and kept with it since (a guest's
    /// live only there).
    private func blocks(of user: ChatUser) -> Set<String> {
        room.withLock { $0.room.member(user.name.key)?.blocks ?? [] }
    }

    private func block(_ target: Username, by user: ChatUser) async throws -> [ServerReply] {
        if target.key == user.name.key { return [.error(.usage("you cannot block yourself"))] }
        guard try await exists(target) else { return [.error(.unknownUser(target.display))] }
        room.withLock { _ = $0.room.block(target.key, by: user.name.key) }
        if user.identity.hasIdentity {
            try await store.block(owner: user.name.key, target: target.key, at: clock.now())
        } else {
            try await shareGuestBlocks(of: user)
        }
        return [.ok(OKSummary.blocked(await spelling(of: target)))]
    }

    private func unblock(_ target: Username, by user: ChatUser) async throws -> [ServerReply] {
        let wasLive = room.withLock { $0.room.unblock(target.key, by: user.name.key) }
        var wasStored = false
        if user.identity.hasIdentity {
            wasStored = try await store.unblock(owner: user.name.key, target: target.key)
        } else if wasLive {
            try await shareGuestBlocks(of: user)
        }
        let spelled = await spelling(of: target)
        if wasLive || wasStored { return [.ok(OKSummary.unblocked(spelled))] }
        return [.ok("you were not blocking \(spelled.display)")]
    }

    /// Tells the other nodes of a cluster whom the guest `user` blocks now (they check it before they relay a
    /// private message to them).
    private func shareGuestBlocks(of user: ChatUser) async throws {
        guard cluster != nil else { return }
        try await directory.updateGuestBlocks(user.name.key, connection: user.connection, blocks: blocks(of: user))
    }

    /// Whether `name` is anybody: online, an identity, or a guest who was ever seen (and may come back).
    private func exists(_ name: Username) async throws -> Bool {
        if try await directory.holder(of: name.key) != nil { return true }
        if try await store.identity(forKey: name.key) != nil { return true }
        return try await store.hasBeenSeen(nameKey: name.key)
    }

    // MARK: Registration

    private func register(_ user: inout ChatUser, password: String) async throws -> [ServerReply] {
        switch user.identity {
        case .certificate: return [.error(.notAllowed("you log in with a certificate; it needs no password"))]
        case .registered: return [.error(.alreadyRegistered(user.name))]
        case .guest: break
        }
        let name = user.name
        let hash = await hasher.hash(password)
        let now = clock.now()
        do {
            try await store.createIdentity(
                StoredIdentity(key: name.key, displayName: name.display, kind: .password(hash: hash), createdAt: now)
            )
        } catch let error as StoreError where error == .alreadyExists {
            return [.error(.alreadyRegistered(name))]
        }
        // From now on what reaches the user is stored for the identity, and the rest of the session is the
        // identity's presence, which decides the room lines its history shows.
        user.identity = .registered
        let connection = user.connection
        room.withLock { _ = $0.room.identify(name.key, connection: connection, as: .registered) }
        try? await directory.update(name.key, connection: connection, identity: .registered)
        if let guestPresence = user.presence { try? await store.recordLogout(guestPresence, at: now) }
        user.presence = try? await store.recordLogin(
            nameKey: name.key,
            displayName: name.display,
            identityKey: name.key,
            at: now
        )
        // Blocks made as a guest lived only in the room; keep them now that there is an identity. The identity
        // exists from here on, so a failure to copy a block is logged, not reported as a failed registration.
        for target in blocks(of: user) {
            do {
                try await store.block(owner: name.key, target: target, at: now)
            } catch {
                logger(for: user).error("could not keep a block made as a guest: \(error)")
            }
        }
        logger(for: user).info("name registered")
        return [.ok(OKSummary.registered(name))]
    }

    // MARK: Spelling

    /// How `name`'s owner spells it: as online now, else as registered, else as typed.
    func spelling(of name: Username) async -> Username {
        await knownSpelling(of: name) ?? name
    }

    /// How `name`'s owner spells it, online now or registered; nil when it is neither.
    func knownSpelling(of name: Username) async -> Username? {
        if let online = try? await directory.holder(of: name.key) { return online.name }
        guard let stored = try? await store.identity(forKey: name.key) else { return nil }
        return Self.spelling(stored, typed: name)
    }

    /// The stored spelling of a name; one that no longer passes today's name rules is shown as typed.
    static func spelling(_ stored: StoredIdentity, typed: Username) -> Username {
        (try? Username.validate(stored.displayName).get()) ?? typed
    }
}
