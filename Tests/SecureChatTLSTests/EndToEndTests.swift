import NIOCore
import NIOPosix
import Testing

@testable import SecureChatTLS

/// A real NIO server with ``TLSHandler`` on 127.0.0.1 against real `openssl s_client` processes.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EndToEndTests {
    @Test func tls13HandshakeAndALineBothWays() async throws {
        let certificates = try TestCertificates.shared()
        let server = try await EchoServer(context: TestContexts.server())
        let client = try SClientProcess(
            port: server.port,
            arguments: ["-CAfile", certificates.ca, "-verify_return_error", "-verify_hostname", "localhost", "-tls1_3"]
        )
        let greeted = await client.waitFor(EchoServer.greeting)
        client.send("hi there")
        let echoed = await client.waitFor("echo: hi there")
        let status = await client.finish()
        let closed = await eventually { server.closedConnections == 1 }
        try await server.stop()

        #expect(greeted, "s_client printed: \(client.printed)")
        #expect(echoed)
        #expect(server.sessions.first?.protocolVersion == "TLSv1.3")
        #expect(server.lines == ["hi there"])
        #expect(closed)
        #expect(status == 0)
        #expect(server.errors.isEmpty, "\(server.errors)")
    }

    /// ALPN against OpenSSL's own client: offered `h2,http/1.1`, the server's `http/1.1` is chosen; not offered,
    /// none, and the connection works the same.
    @Test func alpnWithSClient() async throws {
        let certificates = try TestCertificates.shared()
        let server = try await EchoServer(context: TestContexts.server(applicationProtocols: ["http/1.1"]))
        for offer in [["-alpn", "h2,http/1.1"], []] {
            let client = try SClientProcess(port: server.port, arguments: ["-CAfile", certificates.ca] + offer)
            #expect(await client.waitFor(EchoServer.greeting), "s_client printed: \(client.printed)")
            _ = await client.finish()
        }
        try await server.stop()
        #expect(server.sessions.map(\.applicationProtocol) == ["http/1.1", nil])
    }

    /// Our own client role over a real socket: client certificate required, TLS 1.3, a line both ways.
    @Test func nioClientAgainstTheServer() async throws {
        let server = try await EchoServer(context: TestContexts.server(clientAuthentication: .required, withCRL: true))
        let clientContext = try TestContexts.client(identity: .good, hostname: "127.0.0.1")
        let received = LockedBox("")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: clientContext))
                    try channel.pipeline.syncOperations.addHandler(CollectText(into: received))
                }
            }
            .connect(host: "127.0.0.1", port: server.port)
            .get()
        let greeted = await eventually { received.current.contains(EchoServer.greeting) }
        try await channel.writeAndFlush(ByteBuffer(string: "from nio\n")).get()
        let echoed = await eventually { received.current.contains("echo: from nio") }
        try await channel.close().get()
        let serverSawClose = await eventually { server.closedConnections == 1 }
        try await server.stop()
        try await group.shutdownGracefully()

        #expect(greeted && echoed, "received: \(received.current)")
        #expect(server.sessions.first?.peer?.commonName == "good-client")
        #expect(server.lines == ["from nio"])
        #expect(serverSawClose)
        #expect(server.errors.isEmpty, "\(server.errors)")
    }

    @Test(arguments: [
        (TestCertificates.Client?.none, "peer did not return a certificate"),
        (.otherCA, "unable to get local issuer certificate"),
        (.expired, "certificate has expired"),
        (.revoked, "certificate revoked"),
    ])
    func badClientCertificatesAreRefused(client kind: TestCertificates.Client?, reason: String) async throws {
        let certificates = try TestCertificates.shared()
        let server = try await EchoServer(context: TestContexts.server(clientAuthentication: .required, withCRL: true))
        var arguments = ["-CAfile", certificates.ca]
        if let kind {
            arguments += [
                "-cert", certificates.identity(of: kind).certificate, "-key", certificates.identity(of: kind).key,
            ]
        }
        let client = try SClientProcess(port: server.port, arguments: arguments)
        let refused = await eventually { !server.errors.isEmpty }
        client.send("let me in")
        _ = await client.finish()
        try await server.stop()

        #expect(refused)
        #expect(server.errors.first?.contains(reason) == true, "\(server.errors)")
        #expect(server.sessions.isEmpty)
        #expect(server.lines.isEmpty)
        #expect(!client.printed.contains(EchoServer.greeting))
    }

    @Test(arguments: [
        (["-tls1_1"], "unsupported protocol"),
        (["-tls1"], "unsupported protocol"),
        (["-tls1_2", "-cipher", "AES128-SHA"], "no shared cipher"),
    ])
    func oldProtocolsAndWeakCiphersAreRefused(arguments: [String], reason: String) async throws {
        let certificates = try TestCertificates.shared()
        let server = try await EchoServer(context: TestContexts.server())
        let client = try SClientProcess(port: server.port, arguments: ["-CAfile", certificates.ca] + arguments)
        let refused = await eventually { !server.errors.isEmpty }
        _ = await client.finish()
        try await server.stop()

        #expect(refused)
        #expect(server.errors.first?.contains(reason) == true, "\(server.errors)")
        #expect(server.sessions.isEmpty)
        #expect(!client.printed.contains(EchoServer.greeting))
    }
}

/// Appends every plaintext read to a shared string.
private final class CollectText: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let text: LockedBox<String>

    init(into text: LockedBox<String>) {
        self.text = text
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let chunk = String(buffer: unwrapInboundIn(data))
        text.withLock { $0 += chunk }
    }
}
