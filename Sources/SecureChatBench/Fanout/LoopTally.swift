import NIOCore

/// The deliveries seen by the receivers of one event loop; used only on that loop, so it needs no lock.
final class LoopTally: @unchecked Sendable {
    // @unchecked Sendable: created before the run, then touched only on its event loop (by its receivers' handlers
    // and by `summary`, submitted to that loop).
    struct Summary: Sendable {
        var deliveries = 0
        var duplicates = 0
        var malformed = 0
        var lastDeliveryMicros: UInt64 = 0
        var latencies = LatencyHistogram()

        mutating func add(_ other: Summary) {
            deliveries += other.deliveries
            duplicates += other.duplicates
            malformed += other.malformed
            lastDeliveryMicros = max(lastDeliveryMicros, other.lastDeliveryMicros)
            latencies.add(other.latencies)
        }
    }

    let coordinator: FanoutCoordinator
    /// How many receivers use this loop.
    var receivers = 0
    private(set) var summary = Summary()
    /// How many of this loop's receivers have each message, per sender.
    private var counts: [[Int32]]

    init(coordinator: FanoutCoordinator, senders: Int) {
        self.coordinator = coordinator
        self.counts = Array(repeating: [], count: senders)
    }

    /// A receiver got `message` for the first time.
    func delivered(_ message: FanoutPayload.Message, at now: UInt64) {
        summary.deliveries += 1
        summary.lastDeliveryMicros = now
        summary.latencies.record(micros: now &- message.sentMicros)
        let sender = message.sender
        if counts[sender].count <= message.sequence {
            counts[sender].append(contentsOf: repeatElement(0, count: message.sequence + 1 - counts[sender].count))
        }
        counts[sender][message.sequence] += 1
        if counts[sender][message.sequence] == receivers {
            coordinator.loopHasMessage(sender: sender, sequence: message.sequence)
        }
    }

    func duplicate() {
        summary.duplicates += 1
    }

    func malformed() {
        summary.malformed += 1
    }
}

/// One receiving connection: remembers which messages it has seen, to count duplicates exactly.
final class FanoutReceiver: ChatLineSink, @unchecked Sendable {
    // @unchecked Sendable: used only on its connection's event loop, the same loop as `tally`.
    private let tally: LoopTally
    private var seen: [[UInt64]]

    init(tally: LoopTally, senders: Int) {
        self.tally = tally
        self.seen = Array(repeating: [], count: senders)
    }

    func chatLine(_ line: ByteBuffer) {
        guard let message = FanoutPayload.parse(line), message.sender < seen.count else {
            tally.malformed()
            return
        }
        let word = message.sequence / 64
        let bit = UInt64(1) << UInt64(message.sequence % 64)
        if seen[message.sender].count <= word {
            seen[message.sender].append(contentsOf: repeatElement(0, count: word + 1 - seen[message.sender].count))
        }
        if seen[message.sender][word] & bit != 0 {
            tally.duplicate()
        } else {
            seen[message.sender][word] |= bit
            tally.delivered(message, at: MonotonicClock.micros())
        }
    }
}
