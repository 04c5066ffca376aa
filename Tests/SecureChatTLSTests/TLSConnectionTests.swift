import NIOCore
import Testing

@testable import SecureChatTLS

/// Two `TLSConnection`s talking through memory, without NIO channels.
@Suite struct TLSConnectionTests {
    @Test(arguments: [TLSVersion.tls13, .tls12])
    func handshakeAndExchangeData(version: TLSVersion) throws {
        let client = try TestContexts.client(maximumVersion: version).makeConnection()
        let server = try TestContexts.server().makeConnection()
        try InMemoryHandshake.run(client, server)

        let clientInfo = client.sessionInfo()
        #expect(clientInfo.protocolVersion == version.rawValue)
        #expect(clientInfo.peer?.verified == true)
        #expect(clientInfo.peer?.commonName == "localhost")
        #expect(server.sessionInfo().peer == nil)

        #expect(client.write(ByteBuffer(string: "ping")).isComplete)
        InMemoryHandshake.pump(from: client, to: server)
        #expect(try readAll(server) == "ping")
        #expect(server.write(ByteBuffer(string: "pong")).isComplete)
        InMemoryHandshake.pump(from: server, to: client)
        #expect(try readAll(client) == "pong")
    }

    @Test func rsaServerCertificateWorksWithTLS12() throws {
        let client = try TestContexts.client(maximumVersion: .tls12).makeConnection()
        let server = try TestContexts.server(identity: \.rsaServer).makeConnection()
        try InMemoryHandshake.run(client, server)
        #expect(client.sessionInfo().cipher == "ECDHE-RSA-AES128-GCM-SHA256")
    }

    /// Ciphertext lives in the connection's buffers only until it is read or drained: after a handshake, a small
    /// exchange and a large one, neither side holds any ciphertext storage.
    @Test func idleConnectionsHoldNoCiphertext() throws {
        let client = try TestContexts.client().makeConnection()
        let server = try TestContexts.server().makeConnection()
        try InMemoryHandshake.run(client, server)
        #expect(try readAll(client).isEmpty)  // absorbs the TLS 1.3 tickets
        #expect(!client._testOnly_holdsCiphertext && !server._testOnly_holdsCiphertext)

        #expect(server.write(ByteBuffer(string: "PROMPT Enter username:\n")).isComplete)
        #expect(server.outboundBytes > 0)
        InMemoryHandshake.pump(from: server, to: client)
        #expect(server.outboundBytes == 0)
        #expect(try readAll(client) == "PROMPT Enter username:\n")

        let large = ByteBuffer(repeating: 0x61, count: 100 * 1024)
        #expect(client.write(large).isComplete)
        InMemoryHandshake.pump(from: client, to: server)
        #expect(try readAll(server).utf8.count == large.readableBytes)
        #expect(!client._testOnly_holdsCiphertext && !server._testOnly_holdsCiphertext)
    }

    /// A record that arrives in pieces yields nothing until it is whole, then reads as one.
    @Test func partialRecordsWaitUntilWhole() throws {
        let client = try TestContexts.client().makeConnection()
        let server = try TestContexts.server().makeConnection()
        try InMemoryHandshake.run(client, server)
        #expect(client.write(ByteBuffer(string: "split me\n")).isComplete)
        var record = try #require(client.drainCiphertext())
        let head = record.readSlice(length: 7)!
        server.receive(head)
        var plaintext = ByteBuffer()
        #expect(!server.read(into: &plaintext).isComplete)
        #expect(plaintext.readableBytes == 0)
        server.receive(record)
        #expect(try readAll(server) == "split me\n")
        #expect(!server._testOnly_holdsCiphertext)
    }

    @Test func verificationFailureIsReportedWhenServerVerificationIsNone() throws {
        let client = try TestContexts.client(trustRoots: \.otherCA, serverVerification: .none).makeConnection()
        let server = try TestContexts.server().makeConnection()
        try InMemoryHandshake.run(client, server)
        let peer = try #require(client.sessionInfo().peer)
        #expect(peer.verified == false)
        #expect(peer.verifyError == "unable to get local issuer certificate")
        let certificates = try TestCertificates.shared()
        #expect(
            peer.fingerprintSHA256 == (try TestCertificates.fingerprint(ofCertificate: certificates.server.certificate))
        )
    }

    @Test func wrongHostNameFailsTheHandshake() throws {
        let client = try TestContexts.client(hostname: "chat.example.org").makeConnection()
        let server = try TestContexts.server().makeConnection()
        let error = try #require(throws: TLSError.self) { try InMemoryHandshake.run(client, server) }
        #expect(error == .handshakeFailed)
        #expect(error.description.contains("hostname mismatch"))
    }

    @Test func ipAddressIsCheckedAgainstTheCertificate() throws {
        let client = try TestContexts.client(hostname: "127.0.0.1").makeConnection()
        let server = try TestContexts.server().makeConnection()
        try InMemoryHandshake.run(client, server)
        #expect(client.sessionInfo().peer?.verified == true)
    }

    /// TLS 1.2 resumption needs the session ID context when client certificates are verified; TLS 1.3 uses tickets.
    @Test(arguments: [TLSVersion.tls12, .tls13])
    func sessionsResumeWithClientAuthentication(version: TLSVersion) throws {
        let clientContext = try TestContexts.client(identity: .good, maximumVersion: version)
        let serverContext = try TestContexts.server(clientAuthentication: .required)

        func connectAndCloseCleanly(offering session: TLSSession?) throws -> (reused: Bool, session: TLSSession?) {
            let client = try clientContext.makeConnection()
            let server = try serverContext.makeConnection()
            if let session {
                #expect(client.offer(session))
            }
            try InMemoryHandshake.run(client, server)
            #expect(try readAll(client).isEmpty)  // absorbs TLS 1.3 tickets: incomplete, not end of stream
            #expect(client.shutdown().isComplete)
            InMemoryHandshake.pump(from: client, to: server)
            var discard = ByteBuffer()
            #expect(server.read(into: &discard) == .complete(.closeNotify))
            #expect(server.shutdown().isComplete)
            #expect(server.sessionInfo().peer?.commonName == "good-client")
            return (server.sessionWasReused, client.currentSession())
        }

        let first = try connectAndCloseCleanly(offering: nil)
        #expect(!first.reused)
        let session = try #require(first.session)
        #expect(session.isResumable)
        let second = try connectAndCloseCleanly(offering: session)
        #expect(second.reused)
    }

    /// A context that resumes sessions keeps each ticket the server sends and offers it once: the second
    /// connection resumes with the first one's ticket, the third with the second one's, and a connection made while
    /// no ticket is left does a full handshake.
    @Test func aResumingContextOffersEachTicketOnce() throws {
        let clientContext = try TestContexts.client(resumesSessions: true)
        let serverContext = try TestContexts.server()

        func connect() throws -> (client: TLSConnection, server: TLSConnection) {
            let pair = (try clientContext.makeConnection(), try serverContext.makeConnection())
            try InMemoryHandshake.run(pair.0, pair.1)
            return pair
        }
        func readTicketAndClose(_ pair: (client: TLSConnection, server: TLSConnection)) throws {
            #expect(try readAll(pair.client).isEmpty)  // the ticket goes to the context's cache
            #expect(pair.client.shutdown().isComplete)
        }

        let first = try connect()
        #expect(!first.client.sessionInfo().resumed)
        try readTicketAndClose(first)
        let second = try connect()
        #expect(second.client.sessionInfo().resumed && second.server.sessionWasReused)
        let third = try connect()  // the second has not read its new ticket yet: none is left to offer
        #expect(!third.client.sessionInfo().resumed)
        try readTicketAndClose(second)
        try readTicketAndClose(third)
        let fourth = try connect()
        #expect(fourth.client.sessionInfo().resumed)
    }

    // MARK: - Helpers

    private func readAll(_ connection: TLSConnection) throws -> String {
        var buffer = ByteBuffer()
        while true {
            switch connection.read(into: &buffer) {
            case .complete(.bytes): continue
            case .complete(.closeNotify), .incomplete: return String(buffer: buffer)
            case .failed(let error): throw error
            }
        }
    }
}
