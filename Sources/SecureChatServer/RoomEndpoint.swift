import NIOCore
import SecureChatTLS

/// Where the room delivers to one live connection: its channel, its event loop, and a ``TLSDirectWriter`` that hands
/// the room's lines straight to the channel's TLS handler (the fan-out skips the pipeline walk for every recipient).
///
/// A class, so that the hub's per-delivery lists and the loop's outbox hold one reference per recipient, and the
/// fan-out reads the loop from here instead of asking the channel.
final class RoomEndpoint: @unchecked Sendable {
    // @unchecked Sendable: the `let`s never change; `awaitsFlush` is read and written only on `loop`, by its
    // ``LoopOutbox``.
    let channel: any Channel
    let loop: any EventLoop
    let loopID: ObjectIdentifier
    /// `nil` when the channel has no ``TLSHandler`` (then writes go through the pipeline).
    private let writer: TLSDirectWriter?
    /// Whether the loop's outbox has written to it this turn and will flush it; only on `loop`.
    var awaitsFlush = false

    /// Made on the channel's event loop, where the writer can look the handler up; elsewhere it has none.
    init(channel: any Channel, directTLSWrites: Bool) {
        self.channel = channel
        self.loop = channel.eventLoop
        self.loopID = ObjectIdentifier(channel.eventLoop)
        self.writer = directTLSWrites && channel.eventLoop.inEventLoop ? TLSDirectWriter(channel: channel) : nil
    }

    /// Buffers `buffer` for the next ``flush()``. On the channel's event loop only.
    func write(_ buffer: ByteBuffer) {
        if let writer {
            writer.write(buffer)
        } else {
            channel.write(buffer, promise: nil)
        }
    }

    /// Sends what was buffered. On the channel's event loop only.
    func flush() {
        if let writer {
            writer.flush()
        } else {
            channel.flush()
        }
    }
}
