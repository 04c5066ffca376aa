import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the client: connects (with the trust policy), logs in, then feeds every event — keys or stdin lines,
/// server lines, signals, timers, reconnects — through ``ClientSessionStateMachine`` and carries out its actions.
/// Everything happens on this one task; other threads only post ``ClientEvent``s.
final class ChatClient {
    private let configuration: ClientConfiguration
    private let interactive: Bool
    private let renderer: ServerLineRenderer
    private let console: any ClientConsole
    private let connector: ServerConnector
    private var machine: ClientSessionStateMachine
    /// Sealing and opening sealed messages; nil when this client cannot (the machine knows why).
    private let sealing: SealedMessages?
    private var backoff = ReconnectBackoff()
    private var connection: ClientConnection? {
        didSet {
            if let connection {
                lastChannel = connection.channel
            }
        }
    }
    private var lastChannel: (any Channel)?
    private var earlyEvents: [ConnectionEvent] = []
    private var generation = 0
    /// Every line to the server goes through the pacer, which keeps under the server's rate limit.
    private let clock = ContinuousClock()
    private let epoch: ContinuousClock.Instant
    private var pacer: LinePacer
    private var paceTimerRunning = false
    /// Timers that start once the lines before them have been sent: a wait for an answer counts from the question.
    private var timersAfterSending: [(Duration, ClientEvent)] = []
    private let events: AsyncStream<ClientEvent>
    private let continuation: AsyncStream<ClientEvent>.Continuation

    /// How long to wait for the server to close after `tata`.
    var leaveTimeout: Duration = .seconds(3)
    /// How long scripted mode waits for the answer to its closing `ping`.
    var drainTimeout: Duration = .seconds(30)

    init(configuration: ClientConfiguration, interactive: Bool, colour: Bool) {
        self.configuration = configuration
        self.interactive = interactive
        self.renderer = ServerLineRenderer(colour: colour)
        self.console = interactive ? InteractiveConsole(renderer: renderer) : ScriptedConsole(renderer: renderer)
        self.connector = ServerConnector(configuration: configuration)
        var unavailable: String?
        switch SealedMessages.make(for: configuration) {
        case .success(let sealing): self.sealing = sealing
        case .failure(let reason):
            self.sealing = nil
            unavailable = reason.reason
        }
        self.machine = ClientSessionStateMachine(
            mode: interactive ? .interactive : .scripted,
            name: configuration.name,
            sealingUnavailable: unavailable
        )
        (events, continuation) = AsyncStream.makeStream(of: ClientEvent.self)
        epoch = clock.now
        pacer = LinePacer(now: 0)
    }

    /// Runs until the user leaves or the connection is lost for good; returns the exit status.
    func run() async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        if configuration.trust == .insecure {
            StandardStreams.writeError(
                renderer.warning(
                    "WARNING: --insecure: the server's certificate is NOT verified; anyone on the network path "
                        + "could read and change this conversation"
                )
            )
        }
        let continuation = self.continuation
        generation = 1
        do {
            let ask: ServerConnector.Ask? = interactive ? { @Sendable question in Self.askOnTerminal(question) } : nil
            let (connection, note) = try await connector.connect(ask: ask, deliver: deliverer(for: generation))
            self.connection = connection
            restartPacing()
            try console.start { continuation.yield($0) }
            console.status(
                ConnectionSummary.line(configuration: configuration, session: connection.session, trust: note)
            )
        } catch {
            console.stop()
            StandardStreams.writeError("securechat-client: \(Self.message(for: error, configuration: configuration))")
            return 1
        }
        // Signals are watched from here on: before, Ctrl-C simply ends the program (the terminal is not raw yet).
        let signals = SignalEvents(
            signals: interactive ? [SIGINT, SIGTERM, SIGHUP, SIGWINCH] : [SIGINT, SIGTERM, SIGHUP],
            yield: { continuation.yield($0) }
        )
        defer { signals.cancel() }
        run(machine.connected())

        var status: Int32 = 1
        for await event in events {
            if let finished = handle(event) {
                status = finished
                break
            }
        }
        console.stop()
        await closeLastChannel()
        return status
    }

    /// Closes the current connection and waits (at most 2 s) until its channel and TLS state are gone, so the
    /// process never exits while the event loop is still inside OpenSSL.
    private func closeLastChannel() async {
        guard let channel = lastChannel else {
            return
        }
        connection = nil
        await ClientConnection.closeAndWait(channel)
    }

    // MARK: Events

    /// Handles one event; returns the exit status when the client should stop.
    private func handle(_ event: ClientEvent) -> Int32? {
        switch event {
        case .keys(let keys):
            for input in console.handle(keys) {
                let actions: [ClientSessionStateMachine.Action]
                switch input {
                case .line(let line): actions = machine.userEntered(line)
                case .endOfInput: actions = machine.inputEnded()
                case .interrupt: actions = interrupted()
                }
                if let status = run(actions) {
                    return status
                }
            }
            return nil
        case .inputLine(let line):
            return run(machine.userEntered(line))
        case .inputEnded:
            return run(machine.inputEnded())
        case .connection(let connectionEvent, let eventGeneration):
            guard eventGeneration == generation else {
                return nil  // from an earlier connection
            }
            guard connection != nil else {
                // A reconnect delivers its first line before `.reconnected` arrives: keep it until then.
                earlyEvents.append(connectionEvent)
                return nil
            }
            return handle(connectionEvent)
        case .reconnected(let newConnection, let note, let eventGeneration):
            guard eventGeneration == generation else {
                newConnection.close()
                return nil
            }
            connection = newConnection
            restartPacing()
            console.status(
                ConnectionSummary.line(configuration: configuration, session: newConnection.session, trust: note)
            )
            if let status = run(machine.connected()) {
                return status
            }
            let early = earlyEvents
            earlyEvents = []
            for connectionEvent in early {
                if let status = handle(connectionEvent) {
                    return status
                }
            }
            return nil
        case .reconnectFailed(let error, let eventGeneration):
            guard eventGeneration == generation else {
                return nil
            }
            return reconnectFailed(error)
        case .signal(SIGWINCH):
            console.resized()
            return nil
        case .signal:
            return run(interrupted())
        case .leaveTimerFired:
            return run(machine.leaveTimedOut())
        case .drainTimerFired:
            return run(machine.drainTimedOut())
        case .paceTimerFired:
            paceTimerRunning = false
            sendPaced()
            return nil
        }
    }

    private func handle(_ event: ConnectionEvent) -> Int32? {
        switch event {
        case .line(let line):
            if let wait = LinePacer.retryAfter(in: line) {
                pacer.refused(retryAfter: wait, now: secondsNow)
            }
            return run(machine.received(line))
        case .overlongLine:
            console.status("the server sent an over-long line; it was skipped")
            return nil
        case .closed(let reason):
            connection = nil
            return run(machine.disconnected(reason: reason ?? "the server closed the connection"))
        }
    }

    // MARK: Actions

    /// Carries out `actions`; returns the exit status when one of them finishes the session.
    @discardableResult
    private func run(_ actions: [ClientSessionStateMachine.Action]) -> Int32? {
        for action in actions {
            switch action {
            case .show(let line):
                if line.kind == .welcome {
                    backoff.reset()
                }
                if let text = renderer.render(line, opening: sealing) {
                    console.show(text)
                }
            case .echo(let line):
                console.echo(line)
            case .note(let text):
                console.status(text)
            case .send(let line):
                pacer.enqueue(line)
                sendPaced()
            case .seal(let recipient, let text, let certificate):
                guard let sealing else { break }
                let (line, notes) = sealing.seal(text, to: recipient, certificate: certificate)
                for note in notes { console.status(note) }
                if let line {
                    pacer.enqueue(line)
                    sendPaced()
                }
            case .showKeys(let name):
                for line in sealing?.keys(of: name) ?? [] { console.status(line) }
            case .acceptKey(let name):
                console.status(sealing?.accept(name) ?? "nothing to accept: this client does not seal messages")
            case .setPrompt(let prompt):
                console.setPrompt(prompt)
            case .startLeaveTimer:
                startTimerOnceSent(leaveTimeout, event: .leaveTimerFired)
            case .startDrainTimer:
                startTimerOnceSent(drainTimeout, event: .drainTimerFired)
            case .finish(let outcome):
                return finish(outcome)
            }
        }
        return nil
    }

    private func finish(_ outcome: ClientSessionStateMachine.Outcome) -> Int32? {
        switch outcome {
        case .left:
            return 0
        case .failed(let reason):
            console.status("error: " + reason)
            return 1
        case .dropped(let reason):
            connection?.close()
            connection = nil
            guard configuration.reconnect else {
                console.status("connection lost: " + reason)
                return 1
            }
            scheduleReconnect(after: "connection lost: " + reason)
            return nil
        }
    }

    private func reconnectFailed(_ error: ClientError) -> Int32? {
        switch error.code {
        case .untrustedServer, .fingerprintChanged, .configuration, .knownHostsFile, .knownUsersFile:
            console.status("error: \(Self.message(for: error, configuration: configuration))")
            return 1
        case .connectionFailed, .handshakeFailed, .terminal, .loginFailed, .connectionLost:
            scheduleReconnect(after: "reconnect failed: \(error.detail)")
            return nil
        }
    }

    private func scheduleReconnect(after reason: String) {
        let delay = backoff.nextDelay()
        console.status("\(reason); reconnecting in \(delay.components.seconds) s")
        generation += 1
        earlyEvents = []
        let attempt = generation
        let connector = self.connector
        let continuation = self.continuation
        let deliver = deliverer(for: attempt)
        Task {
            try? await Task.sleep(for: delay)
            do {
                let (connection, note) = try await connector.connect(ask: nil, deliver: deliver)
                continuation.yield(.reconnected(connection, note, generation: attempt))
            } catch let error as ClientError {
                continuation.yield(.reconnectFailed(error, generation: attempt))
            } catch {
                continuation.yield(
                    .reconnectFailed(
                        ClientError(.connectionFailed, detail: "\(error)"),
                        generation: attempt
                    )
                )
            }
        }
    }

    // MARK: Pacing

    private var secondsNow: Double {
        let elapsed = (clock.now - epoch).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }

    /// A new connection: the server counts its lines afresh, and nothing left for the old one is sent.
    private func restartPacing() {
        pacer = LinePacer(now: secondsNow)
        timersAfterSending = []
    }

    /// Ctrl-C or a signal leaves at once, without first sending the lines still waiting.
    private func interrupted() -> [ClientSessionStateMachine.Action] {
        pacer.discardWaiting()
        return machine.interrupted()
    }

    /// Sends the lines the pacer lets go now, and wakes it up for the rest.
    private func sendPaced() {
        let release = pacer.release(now: secondsNow)
        for line in release.lines {
            connection?.send(line)
        }
        if let wait = release.wakeAfter {
            if !paceTimerRunning {
                paceTimerRunning = true
                startTimer(.seconds(wait), event: .paceTimerFired)
            }
            return
        }
        let timers = timersAfterSending
        timersAfterSending = []
        for (duration, event) in timers {
            startTimer(duration, event: event)
        }
    }

    private func startTimerOnceSent(_ duration: Duration, event: ClientEvent) {
        if pacer.isIdle {
            startTimer(duration, event: event)
        } else {
            timersAfterSending.append((duration, event))
        }
    }

    private func startTimer(_ duration: Duration, event: ClientEvent) {
        let continuation = self.continuation
        Task {
            try? await Task.sleep(for: duration)
            continuation.yield(event)
        }
    }

    private func deliverer(for generation: Int) -> @Sendable (ConnectionEvent) -> Void {
        let continuation = self.continuation
        return { continuation.yield(.connection($0, generation: generation)) }
    }

    // MARK: Helpers

    /// Asks on the terminal (still in normal mode: the first connection is made before raw mode starts).
    private static func askOnTerminal(_ question: String) -> Bool {
        StandardStreams.write(question, to: STDERR_FILENO)
        return TrustOnFirstUse.isYes(readLine())
    }

    /// A failure in words for the final message.
    static func message(for error: any Error, configuration: ClientConfiguration) -> String {
        guard let clientError = error as? ClientError else {
            return "\(error)"
        }
        switch clientError.code {
        case .handshakeFailed:
            return "TLS handshake with \(configuration.address) failed: \(clientError.detail)"
        case .fingerprintChanged, .untrustedServer:
            return clientError.detail
        case .connectionFailed, .knownHostsFile, .knownUsersFile, .terminal, .loginFailed, .connectionLost,
            .configuration:
            return clientError.description
        }
    }
}
