import NIOCore
import NIOEmbedded
import Testing

@testable import SecureChatTLS

/// Passes writes on unchanged: stands for an encoder placed after TLS (a WebSocket framer).
private final class OutboundPassThrough: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
}

/// Takes both directions and passes everything on.
private final class DuplexPassThrough: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
}

/// Takes only inbound events: a line framer, the session's input.
private final class InboundPassThrough: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
}

/// When ``TLSDirectWriter`` may stand in for a write from the end of the pipeline.
@Suite struct TLSDirectWriterTests {
    @Test func acceptsTLSFollowedByInboundHandlersOnly() throws {
        let channel = EmbeddedChannel(handlers: [
            OutboundPassThrough(),  // before TLS: it sees the ciphertext either way
            try TLSHandler(context: TestContexts.server()),
            InboundPassThrough(),
            EventRecorder(),
        ])
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }
        #expect(throws: Never.self) { _ = try TLSDirectWriter(channel: channel) }
    }

    /// A handler after TLS that takes writes would be skipped by a direct write: the writer is refused, naming it.
    @Test(arguments: [true, false])
    func refusesAHandlerAfterTLSThatTakesWrites(duplex: Bool) throws {
        let afterTLS: any ChannelHandler = duplex ? DuplexPassThrough() : OutboundPassThrough()
        let channel = EmbeddedChannel(handlers: [
            try TLSHandler(context: TestContexts.server()),
            InboundPassThrough(),
            afterTLS,
            EventRecorder(),
        ])
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }
        let refusal = #expect(throws: TLSDirectWriter.Refusal.self) { try TLSDirectWriter(channel: channel) }
        guard case .outboundHandlerAfterTLS(let handler)? = refusal else {
            Issue.record("refused for another reason: \(String(describing: refusal))")
            return
        }
        #expect(handler.contains(String(describing: type(of: afterTLS))))
        #expect(refusal?.description.contains("would be skipped") == true)
    }

    /// The pipeline builder's form: the types it declares after TLS are checked (no pipeline read back).
    @Test func declaredHandlersAfterTLSAreCheckedByType() throws {
        let channel = EmbeddedChannel(handlers: [try TLSHandler(context: TestContexts.server()), InboundPassThrough()])
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }
        #expect(throws: Never.self) {
            _ = try TLSDirectWriter(channel: channel, handlersAfterTLS: [InboundPassThrough.self])
        }
        for declared: any ChannelHandler.Type in [OutboundPassThrough.self, DuplexPassThrough.self] {
            let refusal = #expect(throws: TLSDirectWriter.Refusal.self) {
                try TLSDirectWriter(channel: channel, handlersAfterTLS: [InboundPassThrough.self, declared])
            }
            #expect(refusal == .outboundHandlerAfterTLS(String(describing: declared)))
        }
        let plain = EmbeddedChannel(handlers: [InboundPassThrough()])
        #expect(throws: TLSDirectWriter.Refusal.noTLSHandler) {
            try TLSDirectWriter(channel: plain, handlersAfterTLS: [])
        }
    }

    @Test func refusesAPipelineWithoutTLS() throws {
        let channel = EmbeddedChannel(handlers: [InboundPassThrough()])
        defer { #expect(throws: Never.self) { _ = try channel.finish() } }
        #expect(throws: TLSDirectWriter.Refusal.noTLSHandler) { try TLSDirectWriter(channel: channel) }
    }

    @Test func refusesOffTheChannelsEventLoop() async throws {
        let channel = NIOAsyncTestingChannel()
        let context = try TestContexts.server()
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context))
        }.get()
        #expect(throws: TLSDirectWriter.Refusal.notOnEventLoop) { try TLSDirectWriter(channel: channel) }
        _ = try await channel.eventLoop.submit { try TLSDirectWriter(channel: channel) }.get()
        _ = try await channel.finish()
    }
}
