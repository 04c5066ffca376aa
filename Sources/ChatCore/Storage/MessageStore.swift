public import Foundation

/// Durable storage for identities, presence, messages, inboxes and block lists.
///
/// Every write has been durably committed when its method returns, so the server may acknowledge it then. Times are
/// always passed in by the caller (no implementation reads the clock) and are kept to the millisecond. Keys are
/// lower-cased names (`Username.key`); the caller lower-cases them. Every method throws ``StoreError``.
///
/// Implementations: `InMemoryMessageStore` (tests, development) and `SQLiteMessageStore` (module SecureChatStore).
public protocol MessageStore: Sendable {
    // MARK: Identities

    /// The identity with this key, or `nil`.
    func identity(forKey key: String) async throws -> StoredIdentity?

    /// Stores a new identity. Throws ``StoreError/alreadyExists`` if one with the same key exists.
    func createIdentity(_ identity: StoredIdentity) async throws

    /// Records that `identity.key` (a certificate identity) belongs to certificate users: creates the identity, or
    /// turns a password identity with that key into a certificate one spelt `identity.displayName` (the CN), whose
    /// password no longer logs in (its inbox, history and blocks stay). Returns whether anything changed.
    @discardableResult
    func claimForCertificate(_ identity: StoredIdentity) async throws -> Bool

    /// The certificate (DER) the certificate user `key` last logged in with, or nil when there is none.
    func certificate(forKey key: String) async throws -> [UInt8]?

    /// Records that the certificate user `key` logged in with `der` at `at`; a certificate equal to the one recorded
    /// changes nothing.
    func recordCertificate(_ der: [UInt8], forKey key: String, at: Date) async throws

    // MARK: Presence

    /// Records that `displayName` logged in at `at` (as the identity `identityKey`, or as a guest when `nil`), and
    /// returns the id of the new, open presence interval.
    func recordLogin(nameKey: String, displayName: String, identityKey: String?, at: Date) async throws -> PresenceID

    /// Ends an open presence interval at `at` (never before its start). Ending an unknown or already ended interval
    /// does nothing.
    func recordLogout(_ presence: PresenceID, at: Date) async throws

    /// Records that the server was alive at `at`; ``closeDanglingPresence(at:)`` ends intervals left open by a crash
    /// there.
    func heartbeat(at: Date) async throws

    /// At start-up, ends every interval still open (left by a crash) at the last heartbeat: at
    /// `max(start, min(lastHeartbeat, now))`, or at its start if there never was a heartbeat. Returns how many it
    /// ended.
    @discardableResult
    func closeDanglingPresence(at now: Date) async throws -> Int

    /// Everyone (identities and guests) whose presence overlaps `since…now`: intervals still open or ended at or
    /// after `since`. One entry per name, latest first. Users online now are included with `isOpen`.
    func recentlySeen(since: Date) async throws -> [SeenUser]

    /// Whether anyone, guest or identity, has ever logged in with this name (and the interval was not pruned).
    func hasBeenSeen(nameKey: String) async throws -> Bool

    // MARK: Messages

    /// Stores a message and returns it with its id, only after it has been durably committed. Concurrent appends are
    /// committed together.
    func append(_ message: NewMessage) async throws -> StoredMessage

    /// Stores `messages` in this order (their ids increase in it) and returns them, only after all are durably
    /// committed, in one transaction where the store can. A failure stores none of them.
    func append(contentsOf messages: [NewMessage]) async throws -> [StoredMessage]

    /// Direct messages waiting unread for `key`, oldest first, without those a block of `key`'s hides (sent at or
    /// after the block was made).
    func unreadInbox(for key: String) async throws -> [StoredMessage]

    /// Marks these messages read for `key`; they leave the inbox. Unknown ids are ignored.
    func markRead(for key: String, ids: [MessageID]) async throws

    /// How many messages ``unreadInbox(for:)`` would return.
    func unreadCount(for key: String) async throws -> Int

    /// The newest `limit` messages of `key`'s history, returned oldest first: messages it sent, direct messages
    /// addressed to it, and room and everyone messages sent while it was online (one of its presence intervals
    /// contains the message time); without those a block of `key`'s hides (sent at or after the block was made).
    /// Guests' messages (sender key `nil`) never count as sent by an identity.
    func history(for key: String, limit: Int) async throws -> [StoredMessage]

    // MARK: Blocks

    /// The keys `owner` blocks.
    func blocks(of owner: String) async throws -> Set<String>

    /// `owner` blocks `target` from `at` on: what `target` sent before stays in `owner`'s history and inbox.
    /// Blocking again keeps the first block's time.
    func block(owner: String, target: String, at: Date) async throws

    /// Removes a block; returns `false` if `owner` did not block `target`.
    @discardableResult
    func unblock(owner: String, target: String) async throws -> Bool

    // MARK: Wrong passwords

    /// The wrong passwords recorded for the name `name` (a key) from `source` (an address block), with the name's
    /// budget; empty when there are none. Times in them are seconds since 1970.
    func loginAttempts(name: String, source: String) async throws -> LoginAttempts

    /// Lets `change` update the wrong passwords of `name` from `source` (with the name's budget) and stores the
    /// result, atomically for the name: no other update of `name` runs in between, from this process or another one
    /// sharing the database. Returns what `change` returned. A `record` or `budget` set to nil is deleted.
    func updateLoginAttempts<Result: Sendable>(
        name: String,
        source: String,
        _ change: @escaping @Sendable (inout LoginAttempts) -> Result
    ) async throws -> Result

    // MARK: Retention

    /// Deletes messages sent before `date` (with their recipients), presence intervals that ended before it, and
    /// wrong-password records whose last failure and lock ended before it. Returns the number of messages deleted.
    @discardableResult
    func prune(olderThan date: Date) async throws -> Int

    // MARK: Lifecycle

    /// Waits for pending writes and releases the store; calls after `close()` fail.
    func close() async throws
}

extension MessageStore {
    /// One append after the other, for a store that cannot commit several at once: a failure part-way leaves the
    /// earlier ones stored, short of the protocol's all-or-none. Both stores here implement it themselves.
    public func append(contentsOf messages: [NewMessage]) async throws -> [StoredMessage] {
        var stored: [StoredMessage] = []
        stored.reserveCapacity(messages.count)
        for message in messages {
            stored.append(try await append(message))
        }
        return stored
    }
}
