import NIOConcurrencyHelpers

/// Connections collected by concurrent tasks.
struct ConnectionList: Sendable {
    private let box = NIOLockedValueBox<[BenchConnection]>([])

    func append(_ connection: BenchConnection) {
        box.withLockedValue { $0.append(connection) }
    }

    var all: [BenchConnection] { box.withLockedValue { $0 } }
    var count: Int { box.withLockedValue(\.count) }
}
