import NIOCore

/// The room's writes for the connections of one event loop, flushed once per turn of the loop.
///
/// Deliveries that reach the loop back to back (a busy room) are written without a flush, and one task queued behind
/// them flushes each connection once: the TLS handler then encrypts them into one record and the socket sends them in
/// one write, instead of one record and one system call per line. A lone delivery is flushed in the same turn, so
/// nothing waits.
final class LoopOutbox: @unchecked Sendable {
    // @unchecked Sendable: `pending`, `spare` and `flushScheduled` (and the endpoints' `awaitsFlush`) are touched only
    // on `loop` (by `write` and the flush task, which run there); the delivery sink only holds the reference and hands it to
    // `loop.execute`.
    let loop: any EventLoop
    let loopID: ObjectIdentifier
    /// The endpoints written to since the last flush, each once (its `awaitsFlush` is set).
    private var pending: [RoomEndpoint] = []
    /// The previous turn's emptied list, reused so that a busy loop does not allocate one per turn.
    private var spare: [RoomEndpoint] = []
    private var flushScheduled = false

    init(loop: any EventLoop) {
        self.loop = loop
        self.loopID = ObjectIdentifier(loop)
    }

    /// Writes `buffer` to every endpoint (all on `loop`) and makes sure a flush follows. Runs on `loop` only.
    func write(_ buffer: ByteBuffer, to endpoints: [RoomEndpoint]) {
        loop.preconditionInEventLoop()
        var frames: ByteBuffer?
        for endpoint in endpoints {
            endpoint.write(buffer, frames: &frames)
            if !endpoint.awaitsFlush {
                endpoint.awaitsFlush = true
                pending.append(endpoint)
            }
        }
        if !flushScheduled {
            flushScheduled = true
            loop.execute { self.flushAll() }
        }
    }

    private func flushAll() {
        flushScheduled = false
        var endpoints = pending
        pending = spare
        for endpoint in endpoints {
            endpoint.awaitsFlush = false
            endpoint.flush()
        }
        endpoints.removeAll(keepingCapacity: true)
        spare = endpoints
    }
}
