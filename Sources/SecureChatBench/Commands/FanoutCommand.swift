import ArgumentParser
import NIOCore

/// `fanout`: N receivers and P senders in the room; every chat line reaches every receiver.
struct FanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Room fan-out: deliveries per second, delivery latency, lost and duplicated deliveries.",
        discussion: """
            Closed loop (default): each sender keeps --window messages in flight; a message is complete when every \
            receiver has it. Paced (--rate): the senders together send --rate deliveries per second (--rate / N \
            messages per second), and latency is measured from each message's scheduled send time.
            """
    )

    @OptionGroup var options: BenchOptions

    @Option(name: .customShort("n"), help: ArgumentHelp("Receiving connections.", valueName: "N"))
    var receivers: Int = 100

    @Option(name: .customShort("P"), help: ArgumentHelp("Sending connections.", valueName: "P"))
    var senders: Int = 1

    @Option(name: .customShort("s"), help: ArgumentHelp("Bytes of text per message.", valueName: "S"))
    var size: Int = 100

    @Option(name: .customShort("d"), help: ArgumentHelp("Seconds of sending.", valueName: "D"))
    var duration: Double = 10

    @Option(help: ArgumentHelp("Stop each sender after this many messages (even before --duration).", valueName: "K"))
    var messages: Int?

    @Option(help: ArgumentHelp("Closed loop: messages in flight per sender.", valueName: "n"))
    var window: Int = 16

    @Option(
        help: ArgumentHelp("Paced: total deliveries per second instead of a closed loop.", valueName: "deliveries/s")
    )
    var rate: Double?

    @Option(help: ArgumentHelp("Seconds to wait for the last messages after sending stops.", valueName: "seconds"))
    var drainTimeout: Double = 10

    @Option(name: .customShort("c"), help: ArgumentHelp("Connections logging in at once.", valueName: "C"))
    var concurrency: Int = 50

    func validate() throws {
        guard receivers >= 1, senders >= 1, size >= 1, window >= 1, duration > 0 else {
            throw ValidationError("Please give -n, -P, -s, --window and -d values of at least 1.")
        }
        if let rate, !(rate > 0) { throw ValidationError("Please give --rate above 0.") }
        if let messages, messages < 1 { throw ValidationError("Please give --messages of at least 1.") }
    }

    func run() async throws {
        try await options.withConnector(measure)
    }

    private func measure(_ connector: BenchConnector) async throws {
        let prefix = RunID.make()
        let progress = ProgressLine("fanout")
        let loops = connector.loops
        let pacing: FanoutSender.Pacing =
            rate.map { .paced(messagesPerSecond: $0 / Double(receivers * senders)) }
            ?? .closedLoop(window: window)

        progress.update("logging in \(senders) senders and \(receivers) receivers")
        var fanoutSenders: [FanoutSender] = []
        for index in 0..<senders {
            let connection = try await connector.connect(name: "\(prefix)s\(index)", on: loops[index % loops.count])
            let sender = FanoutSender(
                index: index,
                connection: connection,
                size: size,
                pacing: pacing,
                limit: messages ?? Int.max
            )
            fanoutSenders.append(sender)
        }
        let coordinator = FanoutCoordinator(senders: fanoutSenders, loopsWithReceivers: min(loops.count, receivers))
        let tallies = loops.prefix(receivers).map { _ in LoopTally(coordinator: coordinator, senders: senders) }
        for index in 0..<receivers { tallies[index % tallies.count].receivers += 1 }
        let receiving = ConnectionList()
        let senderCount = senders
        try await WorkCounter(total: receivers).run(concurrency: concurrency) { index in
            let tally = tallies[index % tallies.count]
            let connection = try await connector.connect(
                name: "\(prefix)r\(index)",
                on: loops[index % tallies.count],
                sink: FanoutReceiver(tally: tally, senders: senderCount)
            )
            receiving.append(connection)
        }
        progress.update("\(receivers) receivers in; waiting for the server to go quiet")
        for pid in options.serverPids { try await ServerQuiet.wait(pid: pid) }

        let cpu = try ServerCPUWindow(pids: options.serverPids)
        let start = MonotonicClock.micros()
        let ticker = progress.every(2) {
            let done = coordinator.completedMessages
            return "\(done) messages complete, \(done * receivers) deliveries, "
                + "\(Int(Double(done * receivers) / MonotonicClock.seconds(since: start))) deliveries/s"
        }
        for sender in fanoutSenders { sender.start() }
        let deadline = start + UInt64(duration * 1e6)
        while MonotonicClock.micros() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            if messages != nil, try await allReachedLimit(fanoutSenders) { break }
        }
        var sent = 0
        for sender in fanoutSenders { sent += try await sender.stop().get() }
        let drainDeadline = MonotonicClock.micros() + UInt64(drainTimeout * 1e6)
        while coordinator.completedMessages < sent, MonotonicClock.micros() < drainDeadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let serverCPU = try cpu.cpuSecondsSoFar()
        let generatorCPU = cpu.generatorCPUSecondsSoFar()
        ticker.cancel()
        // Let stragglers (and any duplicates) arrive before counting.
        try await Task.sleep(for: .milliseconds(200))

        var total = LoopTally.Summary()
        for (index, tally) in tallies.enumerated() {
            total.add(try await loops[index].submit { tally.summary }.get())
        }
        var refused = 0
        var lastRefusal: String?
        for sender in fanoutSenders {
            let errors = try await sender.connection.unexpectedErrors()
            refused += errors.count
            lastRefusal = errors.last ?? lastRefusal
        }
        progress.update("closing")
        for connection in receiving.all + fanoutSenders.map(\.connection) { connection.channel.close(promise: nil) }
        progress.finish()

        let seconds = Double(max(total.lastDeliveryMicros, start + 1) - start) / 1e6
        let expected = sent * receivers
        // Each message also reaches the other senders; the server delivers those too.
        let serverDeliveries = total.deliveries + sent * (senders - 1)
        var report = BenchReport(mode: "fanout", label: options.label, parameters: parameters())
        report.add("messages", "messages sent", Double(sent))
        report.add("deliveries", "deliveries received", Double(total.deliveries))
        report.add("expected_deliveries", "deliveries expected", Double(expected))
        report.add("lost", "lost", Double(expected - total.deliveries))
        report.add("duplicated", "duplicated", Double(total.duplicates))
        report.add("malformed", "malformed lines", Double(total.malformed))
        report.add("refused", "chat lines refused", Double(refused))
        report.add("seconds", "measured time", seconds, "s")
        report.add("deliveries_per_second", "deliveries/s", Double(total.deliveries) / seconds, "1/s")
        report.addLatencies("latency", "delivery latency", total.latencies, extended: true)
        report.addServerCPU(serverCPU, seconds: seconds, units: serverDeliveries, unit: "delivery")
        report.addGeneratorCPU(generatorCPU, units: total.deliveries, unit: "delivery")
        try options.publish(report)
        if let lastRefusal { print("  last refusal: \(lastRefusal)") }
    }

    private func parameters() -> [String: String] {
        var parameters = [
            "receivers": "\(receivers)", "senders": "\(senders)", "size": "\(size)", "duration": "\(duration)",
        ]
        if let rate {
            parameters["rate"] = "\(Int(rate))"
        } else {
            parameters["window"] = "\(window)"
        }
        if let messages { parameters["messages"] = "\(messages)" }
        return parameters
    }

    private func allReachedLimit(_ senders: [FanoutSender]) async throws -> Bool {
        for sender in senders where !(try await sender.reachedLimit().get()) {
            return false
        }
        return true
    }
}
