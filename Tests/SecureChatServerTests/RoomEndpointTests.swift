import ChatTransport
import Logging
import NIOCore
import NIOEmbedded
import SecureChatTLS
import Testing

@testable import SecureChatServer

/// Records the writes and flushes that pass through it: stands for a handler after TLS that writes (an encoder).
private final class WriteRecorder: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var writes: [String] = []
    private(set) var flushes = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes.append(String(buffer: unwrapOutboundIn(data)))
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        flushes += 1
        context.flush()
    }
}

/// Whether the room's writes go through a connection's pipeline or straight to its TLS handler.
@Suite struct RoomEndpointTests {
    private let logger = Logger(label: "test")

    /// A channel whose pipeline is a TLS handler (no handshake: its writes wait) and then `afterTLS`.
    private func channel(afterTLS: [any ChannelHandler]) throws -> EmbeddedChannel {
        let context = try TLSContext(configuration: .client(serverHostname: "localhost", serverVerification: .none))
        return EmbeddedChannel(handlers: [try TLSHandler(context: context)] + afterTLS)
    }

    /// Without direct writes the room writes through the pipeline; asked for on a pipeline with a handler after TLS
    /// that writes, they are refused (the reason is logged), so that handler still sees the room's lines.
    @Test(arguments: [false, true])
    func aHandlerAfterTLSThatWritesSeesTheRoomsLines(directTLSWrites: Bool) throws {
        let recorder = WriteRecorder()
        let channel = try channel(afterTLS: [recorder])
        defer { _ = try? channel.finish() }
        let endpoint = RoomEndpoint(
            channel: channel,
            directTLSWrites: directTLSWrites,
            handlersAfterTLS: [WriteRecorder.self],
            logger: logger
        )
        #expect(!endpoint.writesDirectly)
        var frames: ByteBuffer?
        endpoint.write(ByteBuffer(string: "CHAT alice: hi\n"), frames: &frames)
        #expect(frames == nil)
        endpoint.flush()
        #expect(recorder.writes == ["CHAT alice: hi\n"])
        #expect(recorder.flushes == 1)
    }

    /// The server's pipeline (after TLS only the framer and the session's input, which take no writes) gets direct
    /// writes when it asks for them, and only then.
    @Test(arguments: [false, true])
    func directWritesOnTheServersPipelineOnlyWhenAskedFor(directTLSWrites: Bool) throws {
        let channel = try channel(afterTLS: [LineFramingHandler(maximumLineLength: 4096)])
        defer { _ = try? channel.finish() }
        let endpoint = RoomEndpoint(
            channel: channel,
            directTLSWrites: directTLSWrites,
            handlersAfterTLS: [LineFramingHandler.self],
            logger: logger
        )
        #expect(endpoint.writesDirectly == directTLSWrites)
    }

    /// A delivery already on its way when the connection turned to the web side (the sink put a pipeline endpoint
    /// in this one's place) goes through the pipeline, where the web side's handlers now are, not straight to TLS.
    @Test func aReplacedEndpointWritesThroughThePipeline() throws {
        let channel = try channel(afterTLS: [LineFramingHandler(maximumLineLength: 4096)])
        defer { _ = try? channel.finish() }
        let endpoint = RoomEndpoint(
            channel: channel,
            directTLSWrites: true,
            handlersAfterTLS: [LineFramingHandler.self],
            logger: logger
        )
        #expect(endpoint.writesDirectly)
        let recorder = WriteRecorder()
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(recorder, position: .after(try pipeline.handler(type: TLSHandler.self)))
        var frames: ByteBuffer?
        endpoint.write(ByteBuffer(string: "NOTICE before\n"), frames: &frames)
        endpoint.flush()
        #expect(recorder.writes.isEmpty)
        endpoint.isReplaced = true
        endpoint.write(ByteBuffer(string: "NOTICE after\n"), frames: &frames)
        endpoint.flush()
        #expect(recorder.writes == ["NOTICE after\n"])
        #expect(recorder.flushes == 1)
    }
}
