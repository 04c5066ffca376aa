/// The inputs waiting for one connection's session, and who is working through them.
///
/// A pure value (no lock, no I/O): `ConnectionSession` keeps it behind a mutex and does what its answers say. Whoever
/// holds the *claim* (the event loop carrying out an input at once, or the session's one task) is the only one
/// working on the session; an input that arrives meanwhile waits here. Past ``pauseAbove`` waiting inputs the
/// connection should stop reading, and read again once fewer than ``resumeBelow`` are left.
struct SessionInputQueue<Input> {
    /// What the arrival of an input asks of the caller.
    enum Arrival: Equatable {
        /// Nobody holds the claim and nothing waits: the caller now holds the claim and carries the input out itself
        /// (the input was not queued).
        case carryOutNow
        /// Someone holds the claim and will get to the input.
        case queued
        /// The input was queued and the caller now holds the claim: start a worker. (Only if inputs were left
        /// waiting without a claim, which `next` and `releaseUnlessWaiting` never do; kept so such a state cannot
        /// strand them.)
        case startWorker
    }

    /// Waiting inputs beyond which the connection should stop reading.
    let pauseAbove: Int
    /// Waiting inputs below which a paused connection should read again.
    let resumeBelow: Int

    private var inputs: [Input] = []
    private var head = 0
    /// Whether someone holds the claim.
    private(set) var isClaimed = false
    /// Whether the connection was asked to stop reading.
    private(set) var isPaused = false

    init(pauseAbove: Int = 64, resumeBelow: Int = 16) {
        precondition(resumeBelow <= pauseAbove)
        self.pauseAbove = pauseAbove
        self.resumeBelow = resumeBelow
    }

    /// How many inputs wait.
    var count: Int { inputs.count - head }

    /// An input arrives; `pause` says the connection should stop reading now.
    mutating func arrive(_ input: Input) -> (arrival: Arrival, pause: Bool) {
        if !isClaimed, count == 0 {
            isClaimed = true
            return (.carryOutNow, false)
        }
        inputs.append(input)
        var pause = false
        if count > pauseAbove, !isPaused {
            isPaused = true
            pause = true
        }
        if isClaimed { return (.queued, pause) }
        isClaimed = true
        return (.startWorker, pause)
    }

    /// The next waiting input for the claim holder; `resume` says the connection should read again. When nothing
    /// waits the input is nil, and the claim is given up unless `keepingTheClaim`.
    mutating func next(keepingTheClaim: Bool = false) -> (input: Input?, resume: Bool) {
        guard count > 0 else {
            if !keepingTheClaim {
                inputs = []
                head = 0
                isClaimed = false
            }
            return (nil, false)
        }
        let input = inputs[head]
        head += 1
        // A connection that never runs dry must not keep every input it ever had.
        if head >= 64, head * 2 >= inputs.count {
            inputs.removeFirst(head)
            head = 0
        }
        var resume = false
        if isPaused, count < resumeBelow {
            isPaused = false
            resume = true
        }
        return (input, resume)
    }

    /// Gives up the claim if nothing waits; returns whether inputs wait (then the claim is kept).
    mutating func releaseUnlessWaiting() -> Bool {
        guard count == 0 else { return true }
        inputs = []
        head = 0
        isClaimed = false
        return false
    }
}
