import NIOConcurrencyHelpers

/// Knows when a message has reached every receiver: each event loop reports a message once all of its own
/// receivers have it, and the message is complete when every loop with receivers has reported it. The sender is
/// then told, so a closed-loop sender can put the next message in flight.
final class FanoutCoordinator: @unchecked Sendable {
    // @unchecked Sendable: `lock` protects `loopsDone` and `completed`; `senders` is set in init and never changed.
    private let lock = NIOLock()
    private let loopsWithReceivers: Int
    private let senders: [FanoutSender]
    private var loopsDone: [[UInt8]]
    private var completed = 0

    init(senders: [FanoutSender], loopsWithReceivers: Int) {
        self.senders = senders
        self.loopsWithReceivers = loopsWithReceivers
        self.loopsDone = Array(repeating: [], count: senders.count)
    }

    /// Messages that reached every receiver.
    var completedMessages: Int { lock.withLock { completed } }

    /// Called by a loop's tally when all its receivers have message `sequence` of `sender`.
    func loopHasMessage(sender: Int, sequence: Int) {
        let isComplete = lock.withLock { () -> Bool in
            if loopsDone[sender].count <= sequence {
                loopsDone[sender].append(contentsOf: repeatElement(0, count: sequence + 1 - loopsDone[sender].count))
            }
            loopsDone[sender][sequence] += 1
            guard Int(loopsDone[sender][sequence]) == loopsWithReceivers else { return false }
            completed += 1
            return true
        }
        if isComplete {
            senders[sender].messageCompleted()
        }
    }
}
