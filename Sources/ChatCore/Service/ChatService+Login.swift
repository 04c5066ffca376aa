import Logging
import Synchronization

/// Logging in and out: name look-ups, passwords and lock-outs, joining and leaving the room.
extension ChatService {
    /// What a password attempt came to.
    public enum PasswordCheck: Sendable, Equatable {
        case correct
        case wrong
        /// This source is locked out of the name (by wrong passwords on other connections); the attempt was not
        /// checked.
        case locked(seconds: Int)
        /// The store could not say whether the source is locked out (or record the right password): the attempt
        /// was not checked, neither let in nor counted as wrong.
        case unavailable
    }

    /// Whether `name` is free, registered, a certificate's, online, or locked for `source` (an address block; see
    /// ``LoginGuard``).
    public func status(of name: Username, from source: String) async -> NameStatus {
        await tracked(else: .unknown) {
            do {
                let holder = try await directory.holder(of: name.key)
                let kind = try await store.identity(forKey: name.key)?.kind
                // Only a password can be guessed, so only a registered name can be locked (and a guest's login
                // never reads the lock-outs).
                if holder == nil, case .password = kind,
                    let seconds = try await directory.lockRemaining(of: name.key, from: source)
                {
                    return .locked(secondsLeft: seconds)
                }
                if holder != nil { return kind == nil ? .online : .onlineIdentity }
                switch kind {
                case nil: return .available
                case .certificate: return .reservedForCertificate
                case .password(let hash): return .registered(passwordHash: hash)
                }
            } catch {
                logger.error("could not look up a name: \(error)", metadata: ["user": "\(name)"])
                return .unknown
            }
        }
    }

    /// Checks `password` for `name` against its stored `hash`, unless `source` is locked out of the name; a right
    /// one forgets the source's wrong ones.
    public func checkPassword(
        _ password: String,
        against hash: String,
        for name: Username,
        from source: String
    ) async -> PasswordCheck {
        await tracked(else: .unavailable) {
            do {
                if let seconds = try await directory.lockRemaining(of: name.key, from: source) {
                    return .locked(seconds: seconds)
                }
                guard await hasher.verify(password, against: hash) else { return .wrong }
                try await directory.recordCorrectPassword(for: name.key, from: source)
                return .correct
            } catch {
                logger.error("could not check a password: \(error)", metadata: ["user": "\(name)"])
                return .unavailable
            }
        }
    }

    /// Counts a wrong password for `name` from `source`; the lock's length in seconds when this one locked the
    /// source out of the name.
    public func recordWrongPassword(for name: Username, from source: String) async -> Int? {
        await tracked(else: nil) {
            logger.notice("wrong password", metadata: ["user": "\(name)"])
            do {
                guard let seconds = try await directory.recordWrongPassword(for: name.key, from: source) else {
                    return nil
                }
                logger.warning(
                    "source locked out of a name after wrong passwords",
                    metadata: ["user": "\(name)", "source": "\(source)", "seconds": "\(seconds)"]
                )
                return seconds
            } catch {
                logger.error("could not count a wrong password: \(error)", metadata: ["user": "\(name)"])
                return nil
            }
        }
    }

    /// Puts `name` (logged in as `identity`) in the room on `connection`: greets them (with their unread count)
    /// before anything else can reach them, tells the others, and records the login. Fails when the name came
    /// online meanwhile, when a certificate's name is spelled otherwise than stored, or when the store fails.
    /// `certificate` is the DER of a certificate user's verified certificate: kept as the one others seal to.
    public func join(
        _ name: Username,
        as identity: IdentityKind,
        on connection: ConnectionID,
        certificate: [UInt8]? = nil
    ) async -> Result<ChatUser, ProtocolError> {
        await tracked(else: .failure(Self.shuttingDownError)) {
            var blocks: Set<String> = []
            var unread = 0
            do {
                if identity == .certificate,
                    let refusal = CertificateNameRule.refusal(
                        for: name,
                        stored: try await store.identity(forKey: name.key)
                    )
                {
                    logger.notice("certificate refused: \(refusal)", metadata: ["user": "\(name)"])
                    return .failure(refusal)
                }
                if identity == .certificate, let certificate {
                    // Before the greeting: whoever sees this user join can fetch the certificate at once.
                    try await store.recordCertificate(certificate, forKey: name.key, at: clock.now())
                }
                if identity.hasIdentity {
                    blocks = try await store.blocks(of: name.key)
                    unread = try await store.unreadCount(for: name.key)
                }
                let entry = PresenceEntry(name: name, connection: connection, identity: identity, since: clock.now())
                guard try await directory.claim(entry) else {
                    return .failure(.nameTaken(name))
                }
            } catch {
                logger.error("store failed during login: \(error)", metadata: ["user": "\(name)"])
                return .failure(.serverError("could not log you in; try again"))
            }
            let member = RoomMember(name: name, identity: identity, connection: connection, blocks: blocks)
            let greeting = SessionStateMachine.greeting(for: name, unread: unread)
            let joined = room.withLock { state -> Result<Void, ProtocolError> in
                if state.shuttingDown { return .failure(Self.shuttingDownError) }
                switch state.room.join(member) {
                case .failure(let error):
                    return .failure(error)
                case .success(let notice):
                    sink.deliver(greeting, to: [connection])
                    if let notice { sink.deliver([notice.reply], to: notice.recipients) }
                    relay([.joined(name.display)], from: name.key)
                    return .success(())
                }
            }
            if case .failure(let error) = joined {
                try? await directory.release(name.key, connection: connection)
                return .failure(error)
            }
            var user = ChatUser(name: name, identity: identity, connection: connection)
            if identity == .certificate { await reserveForCertificate(user) }
            user.presence = try? await store.recordLogin(
                nameKey: name.key,
                displayName: name.display,
                identityKey: identity.hasIdentity ? name.key : nil,
                at: clock.now()
            )
            metrics.countLogin(identity)
            return .success(user)
        }
    }

    /// Takes `user` out of the room (and the directory) and tells the others why; nothing when they left already.
    /// The others are not told while the server shuts down.
    public func leave(_ user: inout ChatUser, because reason: LeaveReason) async {
        guard user.isInRoom else { return }
        user.isInRoom = false
        removeFromRoom(user.name.key, connection: user.connection, because: reason)
        await tracked(else: ()) {
            do {
                try await directory.release(user.name.key, connection: user.connection)
            } catch {
                logger(for: user).error("could not release a name: \(error)")
            }
        }
    }

    /// The session of `user` is over: out of the room if still in, and the end of its presence recorded.
    public func end(_ user: inout ChatUser) async {
        await leave(&user, because: .dropped)
        guard let presence = user.presence else { return }
        user.presence = nil
        await tracked(else: ()) {
            try? await store.recordLogout(presence, at: clock.now())
        }
    }

    /// Takes whoever is in the room on `connection` out of it, telling the others why (their certificate was revoked,
    /// say); false when nobody was. Their session still ends with ``end(_:)``.
    @discardableResult
    public func expel(_ connection: ConnectionID, because reason: LeaveReason) async -> Bool {
        let name = room.withLock { $0.room.member(on: connection)?.name }
        guard let name else { return false }
        removeFromRoom(name.key, connection: connection, because: reason)
        await tracked(else: ()) {
            try? await directory.release(name.key, connection: connection)
        }
        return true
    }

    static let shuttingDownError = ProtocolError.notAllowed("the server is shutting down")

    private func removeFromRoom(_ key: String, connection: ConnectionID, because reason: LeaveReason) {
        room.withLock { state in
            guard let member = state.room.member(key), member.connection == connection else { return }
            if let notice = state.room.leave(key, connection: connection, because: reason), !state.shuttingDown {
                sink.deliver([notice.reply], to: notice.recipients)
            }
            // The other nodes of a cluster carry on when this one shuts down: they are told.
            relay([reason.notice(for: member.name.display)], from: key)
        }
    }

    /// Records, once the certificate user is in the room, that the name belongs to certificates from now on: a name
    /// registered with a password becomes the certificate's, and its password stops working.
    private func reserveForCertificate(_ user: ChatUser) async {
        do {
            guard try await store.identity(forKey: user.name.key)?.kind != .certificate else { return }
            let identity = StoredIdentity(
                key: user.name.key,
                displayName: user.name.display,
                kind: .certificate,
                createdAt: clock.now()
            )
            if try await store.claimForCertificate(identity) {
                logger(for: user).info("the name \(user.name) now belongs to certificate users")
            }
        } catch {
            logger(for: user).error("could not record the certificate identity: \(error)")
        }
    }
}
