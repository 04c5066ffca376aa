internal import COpenSSL
import NIOCore
import NIOEmbedded
import Testing

@testable import SecureChatTLS

/// A server ``TLSHandler`` handing TLS 1.3 connections over to ``TLS13RecordLayer``, against OpenSSL's client (our
/// handler without handover): the sequence numbers counted across tickets and early data, thousands of records each
/// way, key updates both ways, and what is never handed over.
@Suite struct TLSHandoverTests {
    /// A pair whose client offers only `suite`, and whose server updates its key every `recordsPerKey` records.
    private func pair(
        suite: TLS13CipherSuite,
        recordsPerKey: UInt64 = 100,
        tickets: Int = 1,
        clientCertificate: Bool = false
    ) throws -> BackToBackChannels {
        let client = try TestContexts.client(identity: clientCertificate ? .good : nil)
        #expect(SSL_CTX_set_ciphersuites(client.sslContext, suite.name) == 1)
        var configuration = try TestContexts.server(
            clientAuthentication: clientCertificate ? .required : .off,
            recordsPerKey: recordsPerKey
        ).configuration
        configuration.sessionTickets = tickets
        return try BackToBackChannels(client: client, server: TLSContext(configuration: configuration))
    }

    private func clientSSL(_ pair: BackToBackChannels) throws -> OpaquePointer {
        let handler = try pair.client.pipeline.syncOperations.handler(type: TLSHandler.self)
        return try #require(handler.engine.connection).ssl
    }

    private func serverEngineIsOurs(_ pair: BackToBackChannels) throws -> Bool {
        let handler = try pair.server.pipeline.syncOperations.handler(type: TLSHandler.self)
        if case .recordLayer = handler.engine { return true }
        return false
    }

    @Test(arguments: TLS13CipherSuite.allCases, [BackToBackChannels.Delivery.asWritten, .allAtOnce])
    func thousandsOfRecordsEachWayWithKeyUpdates(
        suite: TLS13CipherSuite,
        delivery: BackToBackChannels.Delivery
    )
        throws
    {
        let pair = try pair(suite: suite)
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact(delivery)
        let ours = try serverEngineIsOurs(pair)
        #expect(pair.serverEvents.handovers == 1 && ours)
        #expect(pair.clientEvents.sessions.first?.cipher == suite.name)

        var expectedAtServer = ""
        var expectedAtClient = ""
        for round in 0..<3000 {
            if round % 500 == 250 {
                // The client updates its key and asks for ours (s_client's `K`).
                #expect(SSL_key_update(try clientSSL(pair), SSL_KEY_UPDATE_REQUESTED) == 1)
            }
            let up = "client line \(round)\n"
            let down = "server line \(round) " + String(repeating: "z", count: round % 97) + "\n"
            pair.client.writeAndFlush(ByteBuffer(string: up), promise: nil)
            pair.server.writeAndFlush(ByteBuffer(string: down), promise: nil)
            expectedAtServer += up
            expectedAtClient += down
            if round % 50 == 0 { try pair.interact(delivery) }
        }
        // One write larger than a record.
        let big = String(repeating: "0123456789", count: 5000) + "\n"
        pair.server.writeAndFlush(ByteBuffer(string: big), promise: nil)
        expectedAtClient += big
        try pair.interact(delivery)

        #expect(pair.serverEvents.received == expectedAtServer)
        #expect(pair.clientEvents.received == expectedAtClient)
        #expect(pair.clientEvents.errors.isEmpty && pair.serverEvents.errors.isEmpty)
        let handler = try pair.server.pipeline.syncOperations.handler(type: TLSHandler.self)
        guard case .recordLayer(let layer) = handler.engine else { return }
        #expect(layer.readKeys.generation == 6, "the client's six updates")
        #expect(layer.writeKeys.generation >= 30, "3000 records, a key per 100, plus the answers")
    }

    /// However many tickets the server sends, with a client certificate or without, the counted sequence numbers are
    /// right: the first records after the handover open on both sides.
    @Test(arguments: [0, 1, 2, 4], [false, true])
    func sequenceNumbersAfterTicketsAndClientCertificates(tickets: Int, clientCertificate: Bool) throws {
        let pair = try pair(suite: .aes128GCMSHA256, tickets: tickets, clientCertificate: clientCertificate)
        defer { #expect(throws: Never.self) { try pair.finish() } }
        // Written before the handshake: goes out with the client's Finished, read by OpenSSL before the handover.
        pair.client.writeAndFlush(ByteBuffer(string: "early\n"), promise: nil)
        try pair.connect()
        try pair.interact()
        pair.server.writeAndFlush(ByteBuffer(string: "PROMPT\n"), promise: nil)
        pair.client.writeAndFlush(ByteBuffer(string: "late\n"), promise: nil)
        try pair.interact()
        #expect(pair.serverEvents.handovers == 1)
        #expect(pair.serverEvents.received == "early\nlate\n")
        #expect(pair.clientEvents.received == "PROMPT\n")
        #expect(pair.serverEvents.errors.isEmpty && pair.clientEvents.errors.isEmpty)
        #expect(pair.serverEvents.sessions.first?.peer != nil || !clientCertificate)
    }

    /// However the read that carries the client's Finished and its first data record is cut (at each byte of that
    /// record, the end of its header included), OpenSSL is given whole records only, so the handover comes with no
    /// byte of that record in OpenSSL's hands, and the record arrives whole.
    @Test func wholeRecordsOnlyWhereverAReadEnds() throws {
        var cuts: [Int] = []
        var recordLength = 0
        repeat {
            let pair = try pair(suite: .chacha20Poly1305SHA256)
            defer { #expect(throws: Never.self) { try pair.finish() } }
            try pair.connect()
            pair.client.writeAndFlush(ByteBuffer(string: "held back\n"), promise: nil)
            try pair.server.writeInbound(try #require(try pair.client.readOutbound(as: ByteBuffer.self)))
            while let flight = try pair.server.readOutbound(as: ByteBuffer.self) {
                try pair.client.writeInbound(flight)
            }
            var last = ByteBuffer()
            while var part = try pair.client.readOutbound(as: ByteBuffer.self) {
                last.writeBuffer(&part)
            }
            // The flight's records: Finished, then the data record.
            var starts: [Int] = []
            var offset = 0
            while offset + 5 <= last.readableBytes {
                starts.append(offset)
                offset += 5 + Int(last.getInteger(at: last.readerIndex + offset + 3, as: UInt16.self)!)
            }
            let dataStart = try #require(starts.last)
            recordLength = last.readableBytes - dataStart
            let cut = dataStart + cuts.count
            cuts.append(cut)
            try pair.server.writeInbound(last.getSlice(at: last.readerIndex, length: cut)!)
            try pair.server.writeInbound(last.getSlice(at: last.readerIndex + cut, length: last.readableBytes - cut)!)
            #expect(pair.serverEvents.handovers == 1, "cut \(cut - dataStart)")
            #expect(pair.serverEvents.received == "held back\n", "cut \(cut - dataStart)")
            #expect(pair.serverEvents.errors.isEmpty, "cut \(cut - dataStart): \(pair.serverEvents.errors)")
            try pair.interact()
            pair.server.writeAndFlush(ByteBuffer(string: "answer\n"), promise: nil)
            try pair.interact()
            #expect(pair.clientEvents.received == "answer\n")
        } while cuts.count < recordLength
        #expect(cuts.count > 5, "the cut at the end of the header is among them")
    }

    @Test func tls12AndHandoverOffStayWithOpenSSL() throws {
        let tls12 = try BackToBackChannels(
            client: TestContexts.client(maximumVersion: .tls12),
            server: TestContexts.server()
        )
        let off = try BackToBackChannels(client: TestContexts.client(), server: TestContexts.server(handover: false))
        for pair in [tls12, off] {
            defer { #expect(throws: Never.self) { try pair.finish() } }
            try pair.connect()
            try pair.interact()
            pair.client.writeAndFlush(ByteBuffer(string: "hi\n"), promise: nil)
            try pair.interact()
            #expect(pair.serverEvents.received == "hi\n")
            let ours = try serverEngineIsOurs(pair)
            #expect(pair.serverEvents.handovers == 0 && !ours)
        }
    }

    /// close_notify from the client after the handover: the server answers with its own and closes.
    @Test func closeNotifyAfterTheHandover() throws {
        let pair = try pair(suite: .aes256GCMSHA384)
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()
        pair.client.writeAndFlush(ByteBuffer(string: "bye\n"), promise: nil)
        try pair.interact()
        pair.client.close(promise: nil)
        try pair.interact()
        #expect(pair.serverEvents.received == "bye\n")
        #expect(pair.serverEvents.becameInactive && pair.serverEvents.errors.isEmpty)
        #expect(pair.clientEvents.errors.isEmpty)
    }
}
