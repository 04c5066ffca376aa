import NIOCore

/// One sending connection. Closed loop: keeps `window` messages in flight and sends the next one when a message
/// has reached every receiver. Paced: sends at a fixed rate, stamping each message with its scheduled time, so a
/// stall shows up as latency instead of fewer messages (no coordinated omission).
final class FanoutSender: @unchecked Sendable {
    // @unchecked Sendable: the mutable state is touched only on `connection.eventLoop`; the public methods hop there.
    enum Pacing: Sendable {
        case closedLoop(window: Int)
        case paced(messagesPerSecond: Double)
    }

    let index: Int
    let connection: BenchConnection
    private let size: Int
    private let pacing: Pacing
    private let limit: Int
    private var sent = 0
    private var stopped = false
    private var startMicros: UInt64 = 0
    private var timer: RepeatedTask?

    init(index: Int, connection: BenchConnection, size: Int, pacing: Pacing, limit: Int) {
        self.index = index
        self.connection = connection
        self.size = size
        self.pacing = pacing
        self.limit = limit
    }

    /// Starts sending (from any thread).
    func start() {
        connection.eventLoop.execute {
            self.startMicros = MonotonicClock.micros()
            switch self.pacing {
            case .closedLoop(let window):
                for _ in 0..<window { self.sendOne(sentMicros: MonotonicClock.micros(), flush: false) }
                self.connection.channel.flush()
            case .paced(let rate):
                self.timer = self.connection.eventLoop.scheduleRepeatedTask(
                    initialDelay: .zero,
                    delay: .milliseconds(1)
                ) { _ in self.sendDue(rate: rate) }
            }
        }
    }

    /// Stops sending; the future holds how many messages were sent.
    func stop() -> EventLoopFuture<Int> {
        connection.eventLoop.submit {
            self.stopped = true
            self.timer?.cancel()
            return self.sent
        }
    }

    /// Whether the message limit has been reached (from any thread).
    func reachedLimit() -> EventLoopFuture<Bool> {
        connection.eventLoop.submit { self.sent >= self.limit }
    }

    /// A message reached every receiver: a closed-loop sender sends the next one.
    func messageCompleted() {
        guard case .closedLoop = pacing else { return }
        connection.eventLoop.execute {
            self.sendOne(sentMicros: MonotonicClock.micros(), flush: true)
        }
    }

    private func sendDue(rate: Double) {
        let elapsed = Double(MonotonicClock.micros() - startMicros)
        let due = min(limit, Int(elapsed * rate / 1e6) + 1)
        guard sent < due else { return }
        while sent < due, !stopped {
            let scheduled = startMicros + UInt64(Double(sent) * 1e6 / rate)
            sendOne(sentMicros: scheduled, flush: false)
        }
        connection.channel.flush()
    }

    private func sendOne(sentMicros: UInt64, flush: Bool) {
        guard !stopped, sent < limit else { return }
        let line = FanoutPayload.line(sender: index, sequence: sent, sentMicros: sentMicros, size: size)
        sent += 1
        if flush {
            connection.channel.writeAndFlush(line, promise: nil)
        } else {
            connection.channel.write(line, promise: nil)
        }
    }
}
