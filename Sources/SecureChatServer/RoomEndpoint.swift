import Logging
import NIOCore
import SecureChatTLS

/// Where the room delivers to one live connection: its channel, its event loop, and, when asked for, a
/// ``TLSDirectWriter`` that hands the room's lines straight to the channel's TLS handler (the fan-out skips the
/// pipeline walk for every recipient).
///
/// A class, so that the delivery sink's per-delivery lists and the loop's outbox hold one reference per recipient, and the
/// fan-out reads the loop from here instead of asking the channel.
final class RoomEndpoint: @unchecked Sendable {
    // @unchecked Sendable: the `let`s never change; `awaitsFlush` is read and written only on `loop`, by its
    // ``LoopOutbox``.
    let channel: any Channel
    let loop: any EventLoop
    let loopID: ObjectIdentifier
    /// `nil` unless direct writes were asked for and the channel's pipeline allows them (then writes go through the
    /// pipeline).
    private let writer: TLSDirectWriter?
    /// Whether the loop's outbox has written to it this turn and will flush it; only on `loop`.
    var awaitsFlush = false

    /// An endpoint writing through `channel`'s pipeline, or with `directTLSWrites` straight to its TLS handler. The
    /// direct writer is made only on the channel's event loop, after the pipeline is set up, and only when none of
    /// `handlersAfterTLS` (what the pipeline holds after TLS) takes outbound events; when it is refused, `logger` says
    /// why and writes go through the pipeline.
    init(
        channel: any Channel,
        directTLSWrites: Bool,
        handlersAfterTLS: [any ChannelHandler.Type],
        logger: Logger
    ) {
        self.channel = channel
        self.loop = channel.eventLoop
        self.loopID = ObjectIdentifier(channel.eventLoop)
        guard directTLSWrites else {
            self.writer = nil
            return
        }
        do {
            self.writer = try TLSDirectWriter(channel: channel, handlersAfterTLS: handlersAfterTLS)
            // The declared handlers must be the pipeline's: debug builds (the tests) read it back on every connection.
            assert((try? TLSDirectWriter(channel: channel)) != nil, "the pipeline holds other handlers after TLS")
        } catch {
            logger.warning("direct TLS writes refused (\(error)); the room writes through the pipeline")
            self.writer = nil
        }
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

    /// Whether writes skip the pipeline (for tests).
    var writesDirectly: Bool { writer != nil }
}
