public import NIOCore
import NIOWebSocket
public import SecureChatTLS

/// Hands a room's lines to an open WebSocket's TLS handler as text frames made once for every recipient on its event loop
/// (``WebSocketTextFrames``), skipping the bridge and the frame encoder, which would make the same frames per
/// recipient. Writes only while the bridge is open: after a close frame, in either direction, the room's lines are
/// dropped as the bridge would drop them. On the channel's event loop only.
public struct WebSocketDirectWriter: Sendable {
    private let tls: TLSDirectWriter
    private let bridge: NIOLoopBound<WebSocketLineBridge>

    /// The writer for `channel`, whose WebSocket has just opened (``WebSocketOpened``). Call on the channel's event
    /// loop; `nil` when the channel has no web side (or no TLS handler).
    public init?(channel: any Channel) {
        guard channel.eventLoop.inEventLoop,
            let bridge = try? channel.pipeline.syncOperations.handler(type: WebSocketLineBridge.self),
            let tls = try? TLSDirectWriter(bypassingHandlersAfterTLSOf: channel)
        else {
            return nil
        }
        self.tls = tls
        self.bridge = NIOLoopBound(bridge, eventLoop: channel.eventLoop)
        // The frames stand for what the skipped handlers would write: debug builds (the tests) check that nothing
        // else that writes sits between TLS and the bridge.
        assert(
            Self.skipsOnlyTheFraming(TLSDirectWriter.outboundHandlerTypesAfterTLS(in: channel)),
            "handlers between TLS and the bridge: \(TLSDirectWriter.outboundHandlerTypesAfterTLS(in: channel) ?? [])"
        )
    }

    /// Whether the outbound handlers after TLS, as ``TLSDirectWriter/outboundHandlerTypesAfterTLS(in:)`` lists them,
    /// are NIO's frame encoder and then the bridge, with only what a write after the bridge reaches beyond it.
    static func skipsOnlyTheFraming(_ types: [String]?) -> Bool {
        guard let types, let bridge = types.firstIndex(of: String(describing: WebSocketLineBridge.self)) else {
            return false
        }
        return types[..<bridge] == [String(describing: WebSocketFrameEncoder.self)]
    }

    /// Buffers `frames` (from ``WebSocketTextFrames/frames(of:)``) until the next ``flush()``, if the WebSocket is
    /// open.
    public func write(frames: ByteBuffer) {
        guard bridge.value.isOpen else { return }
        tls.write(frames)
    }

    /// Encrypts and sends everything buffered.
    public func flush() {
        tls.flush()
    }
}
