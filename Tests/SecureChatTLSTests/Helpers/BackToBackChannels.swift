import NIOCore
import NIOEmbedded

@testable import SecureChatTLS

/// A client and a server `EmbeddedChannel`, each with a ``TLSHandler`` and an ``EventRecorder``, whose outbound
/// bytes are pumped into each other (swift-nio-ssl's `interactInMemory`).
struct BackToBackChannels {
    /// How ciphertext is handed from one channel to the other.
    enum Delivery: String, CaseIterable, Sendable {
        /// Each outbound write becomes one inbound read.
        case asWritten
        /// Every byte is its own read, so records are split at every possible point.
        case byteByByte
        /// Everything one side wrote is concatenated into one read (many records per read).
        case allAtOnce
    }

    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientEvents = EventRecorder()
    let serverEvents = EventRecorder()

    /// `serverHandlers` go between the server's ``TLSHandler`` and its recorder.
    init(
        client clientContext: TLSContext,
        server serverContext: TLSContext,
        serverHandlers: [any ChannelHandler] = []
    ) throws {
        client = EmbeddedChannel(handlers: [try TLSHandler(context: clientContext), clientEvents])
        server = EmbeddedChannel(handlers: [try TLSHandler(context: serverContext)] + serverHandlers + [serverEvents])
    }

    /// Makes both channels active: the client sends its ClientHello.
    func connect() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
        server.connect(to: address, promise: nil)
        client.connect(to: address, promise: nil)
    }

    /// Moves bytes both ways until neither side has anything left to send.
    func interact(_ delivery: Delivery = .asWritten) throws {
        var moved = true
        while moved {
            let fromClient = try deliver(from: client, to: server, delivery)
            let fromServer = try deliver(from: server, to: client, delivery)
            moved = fromClient || fromServer
        }
    }

    /// Ends both channels; they may already be closed.
    func finish() throws {
        _ = try client.finish(acceptAlreadyClosed: true)
        _ = try server.finish(acceptAlreadyClosed: true)
    }

    private func deliver(
        from sender: EmbeddedChannel,
        to receiver: EmbeddedChannel,
        _ delivery: Delivery
    ) throws -> Bool {
        var buffers: [ByteBuffer] = []
        while let buffer = try sender.readOutbound(as: ByteBuffer.self) {
            buffers.append(buffer)
        }
        guard !buffers.isEmpty else {
            return false
        }
        guard receiver.isActive else {
            return true  // The receiver hung up: the bytes are lost, as on a real network.
        }
        switch delivery {
        case .asWritten:
            for buffer in buffers {
                try receiver.writeInbound(buffer)
            }
        case .byteByByte:
            for buffer in buffers {
                for byte in buffer.readableBytesView where receiver.isActive {
                    try receiver.writeInbound(ByteBuffer(bytes: [byte]))
                }
            }
        case .allAtOnce:
            var all = ByteBuffer()
            for var buffer in buffers {
                all.writeBuffer(&buffer)
            }
            try receiver.writeInbound(all)
        }
        return true
    }
}
