import ChatCore
import NIOCore
import Synchronization

/// The session's input queue: who holds the claim, and how waiting inputs are begun, batched and carried out.
extension ConnectionSession {
    /// Carries out `input` at once if nothing is queued or running, else queues it behind the running task.
    /// `moreMayFollow`: the input is a line of a read that may hold more lines, and ``readEnded()`` comes after the
    /// last of them. Called on the channel's event loop.
    func enqueue(_ input: SessionInput, moreMayFollow: Bool = false) {
        let (arrival, pause) = queue.withLock { $0.arrive(input) }
        if pause { channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in } }
        switch arrival {
        case .queued:
            break
        case .startWorker:
            Task { await self.drain() }
        case .carryOutNow:
            if let pending = begin(input) {
                if moreMayFollow, Self.batches(pending) {
                    // A chat line or a `send`: the task starts once the rest of the read is queued behind it, so the
                    // batch takes those lines along (a client pipelining its commands: one append, one delivery,
                    // one answer) instead of a task racing the loop and taking the first line alone.
                    startAfterRead = pending
                } else {
                    Task { await self.drain(startingWith: pending) }
                }
            } else if queue.withLock({ $0.releaseUnlessWaiting() }) {
                // Carrying it out queued more (a write that failed closed the channel).
                Task { await self.drain() }
            }
        }
    }

    /// The read whose lines were enqueued with `moreMayFollow` is over: starts the task a line of it left waiting.
    /// Called on the channel's event loop.
    func readEnded() {
        guard let pending = startAfterRead else { return }
        startAfterRead = nil
        Task { await self.drain(startingWith: pending) }
    }

    /// Works through the queue (after `first`, the waiting part of an input already begun) until it is empty.
    private func drain(startingWith first: Pending? = nil) async {
        var carried = first
        while let pending = carried ?? nextPending() {
            carried = await process(pending)
        }
    }

    /// Begins queued inputs until one has a part that must wait; nil when the queue runs empty first, and then the
    /// drain task ends.
    ///
    /// When this task may have written to the connection, the claim is given up on the event loop, behind those
    /// writes: they wait in the loop's queue, and an input carried out at once on the loop right after an earlier
    /// release would have its answer overtake them. Inputs arriving meanwhile queue, and then a new drain task takes
    /// them. A task that only sent chat lines (nothing goes back to their sender) gives the claim up at once.
    private func nextPending() -> Pending? {
        while true {
            while let input = next() {
                if let pending = begin(input) { return pending }
            }
            if mayHaveWritten {
                mayHaveWritten = false
                channel.eventLoop.execute {
                    if self.queue.withLock({ $0.releaseUnlessWaiting() }) { Task { await self.drain() } }
                }
                return nil
            }
            guard queue.withLock({ $0.releaseUnlessWaiting() }) else { return nil }
        }
    }

    /// The most chat lines or `send` commands carried out together.
    static let batchLimit = 64

    /// Carries out `pending`. A chat line or a `send` takes the ones of its kind queued right behind it along (a
    /// client that types fast or pipelines its commands): chat lines go to the room as one delivery, `send`s are
    /// stored in one append and answered in one write, all in order. Returns the waiting part of an input that ended
    /// such a batch, to be carried out next.
    private func process(_ pending: Pending) async -> Pending? {
        guard let user, let item = Self.batchItem(pending) else {
            await complete(pending)
            mayHaveWritten = true
            return nil
        }
        switch item {
        case .say(let text):
            // Chat lines answer nothing to their sender, so `mayHaveWritten` stays as it is.
            var texts = [text]
            let carried = gather { item in
                guard case .say(let text) = item else { return false }
                texts.append(text)
                return true
            }
            service.say(texts, from: user)
            return carried
        case .send(let recipient, let text):
            var sends = [(recipient: recipient, text: text)]
            let carried = gather { item in
                guard case .send(let recipient, let text) = item else { return false }
                sends.append((recipient, text))
                return true
            }
            send(await service.send(sends, from: user))
            mayHaveWritten = true
            return carried
        }
    }

    /// An input's waiting part that batches with the ones of its kind behind it (see ``process(_:)``).
    private enum BatchItem {
        case say(String)
        case send(recipient: Username, text: String)
    }

    private static func batchItem(_ pending: Pending) -> BatchItem? {
        guard case .carryOut(let action) = pending else { return nil }
        switch action {
        case .say(let text):
            return .say(text)
        case .perform(let command):
            guard case .send(let recipient, let text) = command else { return nil }
            return .send(recipient: recipient, text: text)
        case .send, .lookUpName, .verifyPassword, .recordWrongPassword, .join, .close, .none:
            return nil
        }
    }

    /// Whether `pending` starts a batch (see ``process(_:)``).
    static func batches(_ pending: Pending) -> Bool {
        batchItem(pending) != nil
    }

    /// Begins the inputs already queued while `take` accepts their waiting part, up to ``batchLimit`` in all; returns
    /// the first waiting part it did not take. Meanwhile answers that need no waiting queue behind the batch's.
    private func gather(_ take: (BatchItem) -> Bool) -> Pending? {
        gathering = true
        defer { gathering = false }
        var count = 1
        while count < Self.batchLimit, let input = next() {
            guard let more = begin(input) else { continue }
            guard let item = Self.batchItem(more), take(item) else { return more }
            count += 1
        }
        return nil
    }

    /// The next queued input, or nil when the queue is empty (the claim stays; see ``nextPending()``).
    private func next() -> SessionInput? {
        let (input, resume) = queue.withLock { $0.next(keepingTheClaim: true) }
        if resume { channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in } }
        return input
    }

    /// What is left of an input after its part that needs no waiting. `indirect`: every connection holds a slot for
    /// one (``startAfterRead``), which inline would take 72 bytes for what lives only between two reads.
    indirect enum Pending {
        case carryOut(SessionStateMachine.Action)
        case finish
    }

    /// Carries out what `input` needs without waiting; returns the rest, which needs a task.
    private func begin(_ input: SessionInput) -> Pending? {
        switch input {
        case .opened:
            delivery.register(id, channel: channel)
            let raw = channel
            deadline = raw.eventLoop.scheduleTask(in: loginTimeout) {
                raw.pipeline.fireUserInboundEventTriggered(SessionTimerEvent.loginDeadline)
            }
            return nil
        case .closed:
            guard !finished else { return nil }
            finished = true
            deadline?.cancel()
            expiry?.cancel()
            guard user == nil else { return .finish }
            debug("Client \(peer) disconnected before logging in")
            machine.connectionClosed()
            delivery.unregister(id)
            return nil
        case .established, .frame, .loginTimedOut, .certificateExpired:
            guard !stopped else { return nil }
            switch event(input) {
            case .none:
                break
            case .send(let replies) where !gathering:
                send(replies)
            case let action:
                return .carryOut(action)
            }
            cancelLoginDeadlineOnceIn()
            return nil
        }
    }

    /// Carries out the part of an input that has to wait.
    private func complete(_ pending: Pending) async {
        switch pending {
        case .finish:
            await finish()
        case .carryOut(let action):
            do {
                if try await carryOut(action) == .stop {
                    stopped = true
                    channel.close(promise: nil)
                }
            } catch {
                debug("connection ended with an error: \(error)")
                stopped = true
                channel.close(promise: nil)
            }
            cancelLoginDeadlineOnceIn()
        }
    }

    private func cancelLoginDeadlineOnceIn() {
        if !machine.isLoggingIn, let pending = deadline {
            // Cancel once: cancelling from off the event loop is a hop to it.
            pending.cancel()
            deadline = nil
        }
    }
}
