import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns signals into ``ClientEvent/signal(_:)`` events, so they end the session through the same path as
/// `tata` (which restores the terminal). The signals' default actions are disabled while it exists.
final class SignalEvents {
    private var sources: [any DispatchSourceSignal] = []

    /// Starts watching `signals`.
    init(signals: [Int32], yield: @escaping @Sendable (ClientEvent) -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { yield(.signal(number)) }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops watching.
    func cancel() {
        for source in sources {
            source.cancel()
        }
        sources = []
    }

    deinit {
        cancel()
    }
}
