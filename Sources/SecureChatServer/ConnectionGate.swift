import ChatCore
import Logging
import NIOCore
import Synchronization

/// Applies `ConnectionAdmission` to accepted sockets before any TLS work, from every event loop at once.
final class ConnectionGate: Sendable {
    private let admission: Mutex<ConnectionAdmission>
    private let metrics: ServerMetrics
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant

    init(limits: ConnectionAdmission.Limits, metrics: ServerMetrics) {
        admission = Mutex(ConnectionAdmission(limits: limits))
        self.metrics = metrics
        started = clock.now
    }

    /// Admits `channel`, or returns why not. An admitted channel is counted until it closes.
    func admit(_ channel: any Channel) -> String? {
        let block = ConnectionAdmission.addressBlock(of: channel.remoteAddress?.ipAddress ?? "unknown")
        let now = (clock.now - started) / .seconds(1)
        let verdict = admission.withLock { $0.connection(from: block, now: now) }
        switch verdict {
        case .admit:
            metrics.connectionOpened()
            channel.closeFuture.whenComplete { _ in
                self.admission.withLock { $0.closed(block) }
                self.metrics.connectionClosed()
            }
            return nil
        case .refuse(let reason, let limit):
            metrics.refused(limit)
            return reason
        }
    }

    /// Applies new limits from now on; connections already admitted stay.
    func update(limits: ConnectionAdmission.Limits) {
        admission.withLock { $0.limits = limits }
    }

    /// Connections open now.
    var openConnections: Int {
        admission.withLock { $0.openConnections }
    }
}
