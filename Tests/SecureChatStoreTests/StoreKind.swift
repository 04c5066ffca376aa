import ChatCore
import Foundation
import Logging
import PostgresTestSupport
import SecureChatStore
import Testing

/// The implementations the shared behaviour suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case sqlite
    /// A database of its own on a throw-away PostgreSQL (cancelled where PostgreSQL is not installed, except under CI).
    case postgres

    var testDescription: String { self.rawValue }

    /// Runs `body` with a fresh, empty store of this kind, then closes it (and deletes its files).
    func withStore(_ body: (any MessageStore) async throws -> Void) async throws {
        switch self {
        case .inMemory:
            let store = InMemoryMessageStore()
            try await body(store)
            await store.close()
        case .sqlite:
            try await withTemporaryDirectory { directory in
                let store = try SQLiteMessageStore(path: directory.appendingPathComponent("chat.sqlite").path)
                try await closing(store, after: body)
            }
        case .postgres:
            let url = try await TestPostgres.databaseForTest()
            // The behaviour suite asserts what is stored, not how fast: under the whole suite's load the shared
            // PostgreSQL may take longer than a server's 5 s for one call (tests of that limit set their own).
            try await withPostgresStore(url, operationTimeout: .seconds(60), body)
        }
    }
}

/// Runs `body` with a store on the database at `url`, then closes it.
func withPostgresStore(
    _ url: String,
    operationTimeout: Duration? = nil,
    _ body: (PostgresMessageStore) async throws -> Void
) async throws {
    var configuration = try PostgresStoreConfiguration(url: url, environment: [:])
    if let operationTimeout { configuration.operationTimeout = operationTimeout }
    let store = try await PostgresMessageStore.connect(configuration, logger: Logger(label: "test"))
    try await closing(store, after: body)
}

/// Runs `body` with `store`, then closes the store, also when `body` throws.
func closing<Store: MessageStore>(_ store: Store, after body: (Store) async throws -> Void) async throws {
    do {
        try await body(store)
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

/// Runs `body` with a new empty directory that is removed afterwards.
func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("SecureChatStoreTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try await body(directory)
}

/// A fixed point in time plus `seconds`, so tests never read the clock.
func t(_ seconds: Double) -> Date {
    Date(timeIntervalSince1970: 1_800_000_000 + seconds)
}

extension MessageStore {
    /// Appends a room line.
    func say(_ text: String, from name: String, key: String?, at time: Date) async throws -> StoredMessage {
        try await self.append(NewMessage(at: time, senderKey: key, senderName: name, audience: .room, text: text))
    }

    /// Appends a direct message from an identity or guest to the given recipients.
    func send(
        _ text: String,
        from name: String,
        key: String?,
        to recipients: [RecipientEntry],
        at time: Date
    ) async throws -> StoredMessage {
        try await self.append(
            NewMessage(
                at: time,
                senderKey: key,
                senderName: name,
                audience: .direct(recipients: recipients),
                text: text
            )
        )
    }
}
