import NIOCore

/// One sending connection of `offline`: keeps `depth` `send` commands outstanding and sends the next one as each
/// answer arrives, all on the connection's event loop (no task switch per message, so the generator costs the shared
/// box as little as it can). Commands sent while answers are read leave in one write when the read completes.
final class OfflineSender: @unchecked Sendable {
    // @unchecked Sendable: the mutable state is touched only on `connection.eventLoop`; `run()` hops there.
    struct Outcome: Sendable {
        var acknowledged = 0
        var failures: [String] = []
    }

    private let connection: BenchConnection
    private let work: WorkCounter
    private let names: [String]
    private let text: String
    private let depth: Int
    private var outstanding = 0
    private var outcome = Outcome()
    private var finished = false
    private let done: EventLoopPromise<Outcome>

    /// Message `i` (claimed from `work`) goes to `names[i % names.count]` with the text "`i` `text`".
    init(connection: BenchConnection, work: WorkCounter, names: [String], text: String, depth: Int) {
        self.connection = connection
        self.work = work
        self.names = names
        self.text = text
        self.depth = depth
        self.done = connection.eventLoop.makePromise()
    }

    /// Sends until `work` is used up and every command is answered; fails on the first lost connection.
    func run() -> EventLoopFuture<Outcome> {
        connection.eventLoop.execute {
            self.fill()
            self.connection.channel.flush()
        }
        return done.futureResult
    }

    private func fill() {
        while outstanding < depth, !finished, let index = work.claim() {
            outstanding += 1
            let name = names[index % names.count]
            var line = connection.channel.allocator.buffer(capacity: 16 + name.utf8.count + text.utf8.count)
            line.writeStaticString("send ")
            line.writeString(name)
            line.writeStaticString(" ")
            line.writeString(String(index))
            line.writeStaticString(" ")
            line.writeString(text)
            line.writeStaticString("\n")
            connection.handler.value.command(line, flush: false).whenComplete { result in
                self.settle(result)
            }
        }
        if outstanding == 0, !finished {
            finished = true
            done.succeed(outcome)
        }
    }

    private func settle(_ result: Result<BenchLineHandler.Answer, any Error>) {
        outstanding -= 1
        switch result {
        case .success(let answer):
            if answer.final.hasPrefix("OK queued") {
                outcome.acknowledged += 1
            } else {
                outcome.failures.append(answer.final)
            }
            fill()
        case .failure(let error):
            if !finished {
                finished = true
                done.fail(error)
            }
        }
    }
}
