import Logging
import NIOCore
import SecureChatTLS
import SecureChatWeb

/// Where the room delivers to one live connection: its channel, its event loop, and, when asked for, a
/// ``TLSDirectWriter`` that hands the room's lines straight to the channel's TLS handler (the fan-out skips the
/// pipeline walk for every recipient), or for an open WebSocket a ``WebSocketDirectWriter`` that hands it the text
/// frames made once for all of a delivery's web recipients on its event loop.
///
/// A class, so that the delivery sink's per-delivery lists and the loop's outbox hold one reference per recipient, and the
/// fan-out reads the loop from here instead of asking the channel.
final class RoomEndpoint: @unchecked Sendable {
    // @unchecked Sendable: the `let`s never change; `awaitsFlush` and `isReplaced` are read and written only on
    // `loop` (by its ``LoopOutbox`` and the delivery sink's calls from the channel's handlers).
    let channel: any Channel
    let loop: any EventLoop
    let loopID: ObjectIdentifier
    private enum Writer {
        /// Through the pipeline: direct writes were not asked for, or the pipeline does not allow them.
        case pipeline
        case tls(TLSDirectWriter)
        case webSocket(WebSocketDirectWriter)
    }

    private let writer: Writer
    /// Whether the loop's outbox has written to it this turn and will flush it; only on `loop`.
    var awaitsFlush = false
    /// Set when the delivery sink put another endpoint in its place (the connection turned to the web side): a
    /// delivery already on its way to this one writes through the pipeline, which knows what the connection is now,
    /// instead of handing the TLS handler raw lines. Only on `loop`.
    var isReplaced = false

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
            self.writer = .pipeline
            return
        }
        do {
            self.writer = .tls(try TLSDirectWriter(channel: channel, handlersAfterTLS: handlersAfterTLS))
            // The declared handlers must be the pipeline's: debug builds (the tests) read it back on every connection.
            assert((try? TLSDirectWriter(channel: channel)) != nil, "the pipeline holds other handlers after TLS")
        } catch {
            logger.warning("direct TLS writes refused (\(error)); the room writes through the pipeline")
            self.writer = .pipeline
        }
    }

    /// An endpoint for `channel`, whose WebSocket is open, writing through `writer`.
    init(webSocket channel: any Channel, writer: WebSocketDirectWriter) {
        self.channel = channel
        self.loop = channel.eventLoop
        self.loopID = ObjectIdentifier(channel.eventLoop)
        self.writer = .webSocket(writer)
    }

    /// Buffers `buffer` (lines) for the next ``flush()``. A WebSocket's endpoint writes them as text frames, made
    /// into `frames` by the first such endpoint of the delivery and shared by the next ones. On the channel's event
    /// loop only.
    func write(_ buffer: ByteBuffer, frames: inout ByteBuffer?) {
        if isReplaced {
            channel.write(buffer, promise: nil)
            return
        }
        switch writer {
        case .tls(let writer):
            writer.write(buffer)
        case .pipeline:
            channel.write(buffer, promise: nil)
        case .webSocket(let writer):
            if frames == nil { frames = WebSocketTextFrames.frames(of: buffer) }
            writer.write(frames: frames!)
        }
    }

    /// Sends what was buffered. On the channel's event loop only.
    func flush() {
        if isReplaced {
            channel.flush()
            return
        }
        switch writer {
        case .tls(let writer): writer.flush()
        case .pipeline: channel.flush()
        case .webSocket(let writer): writer.flush()
        }
    }

    /// Whether writes skip the pipeline (for tests).
    var writesDirectly: Bool {
        if case .pipeline = writer { return false }
        return true
    }
}
