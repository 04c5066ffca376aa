import NIOCore
import SecureChatTLS

/// Where the room delivers to one live connection: its channel, and a ``TLSDirectWriter`` that hands the room's
/// lines straight to the channel's TLS handler (the fan-out skips the pipeline walk for every recipient).
///
/// A class, so that the hub's per-delivery lists and the loop's outbox hold one reference per recipient.
final class RoomEndpoint: Sendable {
    let channel: any Channel
    /// `nil` when the channel has no ``TLSHandler`` (then writes go through the pipeline).
    private let writer: TLSDirectWriter?

    /// Made on the channel's event loop, where the writer can look the handler up; elsewhere it has none.
    init(channel: any Channel) {
        self.channel = channel
        self.writer = channel.eventLoop.inEventLoop ? TLSDirectWriter(channel: channel) : nil
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
