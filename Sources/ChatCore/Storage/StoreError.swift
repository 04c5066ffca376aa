/// The error every ``MessageStore`` throws.
///
/// Compare errors by kind with `==` against the static constants (`error == .alreadyExists`); the ``detail`` is for
/// logs and is ignored by `==`.
public struct StoreError: Error, Hashable, CustomStringConvertible, Sendable {
    package enum Code: Hashable, Sendable {
        case alreadyExists
        case cannotOpen
        case storageFailed
    }

    package let code: Code

    /// What exactly went wrong, for logs. Never sent to clients.
    public let detail: String

    package init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// A row with the same unique key exists already (for example ``MessageStore/createIdentity(_:)``).
    public static let alreadyExists = StoreError(code: .alreadyExists, detail: "")

    /// The store could not be opened: the file is missing, unreadable, or not a database.
    public static let cannotOpen = StoreError(code: .cannotOpen, detail: "")

    /// The storage backend failed an operation; nothing of that operation was committed.
    public static let storageFailed = StoreError(code: .storageFailed, detail: "")

    /// An identity with this key exists already.
    public static func alreadyExists(identityKey: String) -> StoreError {
        StoreError(code: .alreadyExists, detail: "an identity with key '\(identityKey)' exists already")
    }

    /// The store at `path` could not be opened, because of `reason`.
    public static func cannotOpen(path: String, reason: String) -> StoreError {
        StoreError(code: .cannotOpen, detail: "cannot open the message store at '\(path)': \(reason)")
    }

    /// The backend failed, because of `reason`.
    public static func storageFailed(_ reason: String) -> StoreError {
        StoreError(code: .storageFailed, detail: reason)
    }

    public var description: String {
        let kind: String
        switch self.code {
        case .alreadyExists: kind = "already exists"
        case .cannotOpen: kind = "cannot open"
        case .storageFailed: kind = "storage failed"
        }
        return self.detail.isEmpty ? "StoreError(\(kind))" : "StoreError(\(kind)): \(self.detail)"
    }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }
}
