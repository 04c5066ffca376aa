import NIOCore
import NIOEmbedded
import Testing

@testable import SecureChatTLS

/// Back-to-back EmbeddedChannels running ``TLSHandler`` on both ends.
@Suite struct TLSHandlerTests {
    @Test(arguments: BackToBackChannels.Delivery.allCases, [TLSVersion.tls13, .tls12])
    func handshakeAndEchoUnderEveryDelivery(delivery: BackToBackChannels.Delivery, version: TLSVersion) throws {
        let pair = try BackToBackChannels(
            client: TestContexts.client(maximumVersion: version),
            server: TestContexts.server()
        )
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact(delivery)

        #expect(pair.clientEvents.sessions.first?.protocolVersion == version.rawValue)
        #expect(pair.serverEvents.sessions.count == 1)
        try pair.client.writeAndFlush(ByteBuffer(string: "hello\n")).wait()
        try pair.interact(delivery)
        #expect(pair.serverEvents.received == "hello\n")
        try pair.server.writeAndFlush(ByteBuffer(string: "hello back\n")).wait()
        try pair.interact(delivery)
        #expect(pair.clientEvents.received == "hello back\n")
        #expect(pair.clientEvents.errors.isEmpty && pair.serverEvents.errors.isEmpty)
        #expect(pair.serverEvents.handovers == (version == .tls13 ? 1 : 0), "TLS 1.3 only is handed over")
    }

    @Test(arguments: BackToBackChannels.Delivery.allCases)
    func dataWrittenBeforeTheHandshakeIsSentAfterIt(delivery: BackToBackChannels.Delivery) throws {
        let pair = try BackToBackChannels(client: TestContexts.client(), server: TestContexts.server())
        defer { #expect(throws: Never.self) { try pair.finish() } }
        let early = pair.client.writeAndFlush(ByteBuffer(string: "early\n"))
        let unflushed = pair.client.write(ByteBuffer(string: "late\n"))
        try pair.connect()
        try pair.interact(delivery)
        try early.wait()
        #expect(pair.serverEvents.received == "early\n")
        pair.client.flush()
        try pair.interact(delivery)
        try unflushed.wait()
        #expect(pair.serverEvents.received == "early\nlate\n")
    }

    @Test func writesAreCoalescedUntilFlush() throws {
        let pair = try BackToBackChannels(client: TestContexts.client(), server: TestContexts.server())
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()

        for line in ["one\n", "two\n", "three\n"] {
            pair.client.write(ByteBuffer(string: line), promise: nil)
        }
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)
        pair.client.flush()
        let ciphertext = try #require(try pair.client.readOutbound(as: ByteBuffer.self))
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)
        // One TLS 1.3 record: 5-byte header + 14 bytes + content type + 16-byte tag (three writes, one record).
        #expect(ciphertext.readableBytes == 5 + 14 + 1 + 16)
        try pair.server.writeInbound(ciphertext)
        #expect(pair.serverEvents.received == "one\ntwo\nthree\n")
    }

    /// The direct writer's lines join the channel's own writes in order, go out in one record on flush, and are
    /// dropped once the handler has left the pipeline.
    @Test func directWritesKeepTheirOrderWithPipelineWrites() throws {
        let pair = try BackToBackChannels(client: TestContexts.client(), server: TestContexts.server())
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()
        let writer = try TLSDirectWriter(channel: pair.server)

        pair.server.write(ByteBuffer(string: "OK one\n"), promise: nil)
        writer.write(ByteBuffer(string: "CHAT a: two\n"))
        pair.server.write(ByteBuffer(string: "OK three\n"), promise: nil)
        #expect(try pair.server.readOutbound(as: ByteBuffer.self) == nil, "nothing is sent before a flush")
        writer.flush()
        let record = try #require(try pair.server.readOutbound(as: ByteBuffer.self))
        #expect(try pair.server.readOutbound(as: ByteBuffer.self) == nil)
        try pair.client.writeInbound(record)
        #expect(pair.clientEvents.received == "OK one\nCHAT a: two\nOK three\n")

        try pair.server.close().wait()  // sends close_notify; the handler leaves the pipeline
        while try pair.server.readOutbound(as: ByteBuffer.self) != nil {}
        writer.write(ByteBuffer(string: "CHAT a: too late\n"))
        writer.flush()
        #expect(try pair.server.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test func preHandshakeBufferIsCapped() throws {
        let pair = try BackToBackChannels(client: TestContexts.client(), server: TestContexts.server())
        defer { #expect(throws: Never.self) { try pair.finish() } }
        let fits = pair.client.write(ByteBuffer(repeating: 0x41, count: TLSHandler.maximumBufferedPlaintext))
        let tooMuch = pair.client.write(ByteBuffer(string: "x"))
        #expect(throws: TLSError.writeBufferFull) { try tooMuch.wait() }
        pair.client.flush()
        try pair.connect()
        try pair.interact()
        try fits.wait()
        #expect(pair.serverEvents.received.utf8.count == TLSHandler.maximumBufferedPlaintext)
    }

    @Test func garbageInsteadOfClientHelloClosesOnlyThatChannel() throws {
        let serverContext = try TestContexts.server()
        let victim = EventRecorder()
        let garbageChannel = EmbeddedChannel(handlers: [try TLSHandler(context: serverContext), victim])
        defer { #expect(throws: Never.self) { try garbageChannel.finish(acceptAlreadyClosed: true) } }
        garbageChannel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1), promise: nil)
        let pair = try BackToBackChannels(client: TestContexts.client(), server: serverContext)
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()

        try garbageChannel.writeInbound(ByteBuffer(string: "HELO chat.example.org\r\nthis is not TLS\r\n"))

        let error = try #require(victim.tlsErrors.first)
        #expect(error == .notTLS)
        #expect(error.description.contains("wrong version number"))
        #expect(!garbageChannel.isActive)
        #expect(victim.becameInactive)
        try pair.interact()
        #expect(pair.serverEvents.sessions.count == 1)
        #expect(pair.server.isActive)
    }

    @Test func peerClosingWithoutCloseNotifyIsReportedAsTruncation() throws {
        let pair = try BackToBackChannels(client: TestContexts.client(), server: TestContexts.server())
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()

        pair.server.pipeline.fireChannelInactive()  // the TCP connection ended; no close_notify came first

        #expect(pair.serverEvents.tlsErrors == [.uncleanShutdown])
        #expect(pair.serverEvents.becameInactive)
    }

    @Test func orderlyCloseSendsCloseNotifyAndThePeerClosesCleanly() throws {
        let pair = try BackToBackChannels(client: TestContexts.client(), server: TestContexts.server())
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()
        try pair.client.writeAndFlush(ByteBuffer(string: "bye\n")).wait()
        try pair.interact()

        try pair.client.close().wait()
        #expect(!pair.client.isActive)
        let closeNotify = try #require(try pair.client.readOutbound(as: ByteBuffer.self))
        // One encrypted record (TLS 1.3 hides the alert type): header + alert (2) + content type (1) + tag (16).
        #expect(closeNotify.getInteger(at: 0, as: UInt8.self) == 0x17)
        #expect(closeNotify.readableBytes == 5 + 2 + 1 + 16)
        try pair.server.writeInbound(closeNotify)

        #expect(pair.serverEvents.received == "bye\n")
        #expect(pair.serverEvents.errors.isEmpty)
        #expect(pair.serverEvents.becameInactive)
        #expect(!pair.server.isActive)
        #expect(try pair.server.readOutbound(as: ByteBuffer.self) != nil)  // the server's own close_notify
        #expect(pair.clientEvents.errors.isEmpty)
    }

    @Test func applicationCanAnswerDataThatArrivedTogetherWithCloseNotify() throws {
        let replier = ReplyOnRead()
        let pair = try BackToBackChannels(
            client: TestContexts.client(),
            server: TestContexts.server(),
            serverHandlers: [replier]
        )
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()

        try pair.client.writeAndFlush(ByteBuffer(string: "last words\n")).wait()
        try pair.client.close().wait()
        var both = ByteBuffer()
        while var record = try pair.client.readOutbound(as: ByteBuffer.self) {
            both.writeBuffer(&record)
        }
        try pair.server.writeInbound(both)  // the data record and close_notify in one read

        #expect(pair.serverEvents.received == "last words\n")
        #expect(replier.replyResults.count == 1)
        #expect(replier.replyResults.allSatisfy { $0 == nil })  // the reply was written, not refused
        #expect(!pair.server.isActive)
        #expect(pair.serverEvents.errors.isEmpty)
    }

    @Test func handshakeTimeoutClosesTheConnection() throws {
        let serverContext = try TestContexts.server(handshakeTimeout: .seconds(5))
        let events = EventRecorder()
        let channel = EmbeddedChannel(handlers: [try TLSHandler(context: serverContext), events])
        defer { #expect(throws: Never.self) { try channel.finish(acceptAlreadyClosed: true) } }
        channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1), promise: nil)

        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(events.errors.isEmpty)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(events.tlsErrors == [.handshakeTimeout])
        #expect(!channel.isActive)
    }

    @Test func completedHandshakeCancelsTheTimeout() throws {
        let pair = try BackToBackChannels(
            client: TestContexts.client(),
            server: TestContexts.server(handshakeTimeout: .seconds(1))
        )
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()
        pair.server.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(pair.serverEvents.errors.isEmpty)
        #expect(pair.server.isActive)
    }
}

/// Counts the reads that reach the head of the pipeline.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private(set) var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite struct TLSHandlerBackPressureTests {
    @Test func readsAreHeldBackWhileTheChannelIsNotWritable() throws {
        let counter = ReadCounter()
        let channel = EmbeddedChannel(handlers: [
            counter, try TLSHandler(context: TestContexts.server()), EventRecorder(),
        ])
        defer { #expect(throws: Never.self) { try channel.finish(acceptAlreadyClosed: true) } }
        channel.read()
        #expect(counter.reads == 1)
        channel.isWritable = false
        channel.read()
        #expect(counter.reads == 1)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2)
    }
}

/// Answers every read with "ack" and records whether each answer was written (`nil`) or failed (the error).
private final class ReplyOnRead: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let results = LockedBox<[String?]>([])

    var replyResults: [String?] { results.current }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let results = self.results
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { result in
            results.withLock { $0.append(result.failureDescription) }
        }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "ack\n")), promise: promise)
        context.fireChannelRead(data)
    }
}

extension Result {
    fileprivate var failureDescription: String? {
        switch self {
        case .success: nil
        case .failure(let error): String(describing: error)
        }
    }
}
