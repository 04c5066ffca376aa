public import NIOCore

/// Hands plaintext straight to a channel's ``TLSHandler``, as a write from the end of the pipeline would reach it,
/// without walking the pipeline: for code that writes the same line to many channels of one event loop (a chat
/// room's fan-out), where the walk (and the objects it touches on every connection) costs more than the write.
///
/// Only for pipelines in which nothing outbound sits after the TLS handler, so that a write from the tail would reach
/// it unchanged; the initializer checks that and refuses any other pipeline (``Refusal``), so a handler added after
/// TLS that writes (an encoder) is never skipped. Writes and flushes keep their order with the channel's other
/// writes: both end up in the handler's one queue. Use it on the channel's event loop only (checked). After the
/// handler has left the pipeline (the channel closed) writes are dropped, as a write on a closed channel would fail.
public struct TLSDirectWriter: Sendable {
    private let handler: NIOLoopBound<TLSHandler>

    /// The writer for `channel`'s TLS handler. Call on the channel's event loop.
    ///
    /// - Throws: ``Refusal`` when not on the channel's event loop, when the pipeline has no TLS handler, or when an
    ///   outbound handler sits after it (handlers added later are not checked: set the pipeline up first).
    public init(channel: any Channel) throws(Refusal) {
        guard channel.eventLoop.inEventLoop else { throw .notOnEventLoop }
        let pipeline = channel.pipeline.syncOperations
        guard let context = try? pipeline.context(handlerType: TLSHandler.self),
            let handler = context.handler as? TLSHandler
        else {
            throw .noTLSHandler
        }
        if let refusal = Refusal.outboundHandlerAfter(context, in: channel.pipeline) {
            throw refusal
        }
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// The writer for `channel`'s TLS handler, when the handlers after it are of `handlersAfterTLS` types: refused
    /// when one of those takes outbound events. For the code that builds the pipeline, which knows what it adds after
    /// TLS: this reads none of the pipeline back but the TLS handler, so it costs nothing per connection (reading the
    /// whole pipeline, as ``init(channel:)`` does, costs more than the rest of accepting a connection). Call on the
    /// channel's event loop.
    public init(channel: any Channel, handlersAfterTLS: [any ChannelHandler.Type]) throws(Refusal) {
        guard channel.eventLoop.inEventLoop else { throw .notOnEventLoop }
        if let outbound = handlersAfterTLS.first(where: { $0 is any _ChannelOutboundHandler.Type }) {
            throw .outboundHandlerAfterTLS(String(describing: outbound))
        }
        guard let handler = try? channel.pipeline.syncOperations.handler(type: TLSHandler.self) else {
            throw .noTLSHandler
        }
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// The writer for `channel`'s TLS handler whatever sits after it, for a caller that writes bytes already encoded
    /// as the outbound handlers after TLS would encode them, and only while they would pass them on (a WebSocket's
    /// frames, made once for a whole room while its connection is open). Call on the channel's event loop.
    package init(bypassingHandlersAfterTLSOf channel: any Channel) throws(Refusal) {
        guard channel.eventLoop.inEventLoop else { throw .notOnEventLoop }
        guard let handler = try? channel.pipeline.syncOperations.handler(type: TLSHandler.self) else {
            throw .noTLSHandler
        }
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// The types of the handlers after `channel`'s TLS handler that take outbound events, in order, as NIO names
    /// them; nil without a TLS handler or when the pipeline cannot be read. Reads the whole pipeline: for checks in
    /// debug builds.
    package static func outboundHandlerTypesAfterTLS(in channel: any Channel) -> [String]? {
        guard channel.eventLoop.inEventLoop,
            let context = try? channel.pipeline.syncOperations.context(handlerType: TLSHandler.self)
        else {
            return nil
        }
        return Refusal.outboundHandlerTypes(after: context, in: channel.pipeline)
    }

    /// Buffers `plaintext` until the next ``flush()`` (or a flush of the channel).
    public func write(_ plaintext: ByteBuffer) {
        let handler = self.handler.value
        guard handler.directContext != nil else { return }
        handler.bufferWrite(plaintext, promise: nil)
    }

    /// Encrypts and sends everything buffered, as a flush of the channel would.
    public func flush() {
        let handler = self.handler.value
        guard let context = handler.directContext else { return }
        handler.flush(context: context)
    }
}
