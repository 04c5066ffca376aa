import ChatTransport
import Foundation
import NIOCore
import NIOPosix
import SecureChatTLS

/// One TLS connection to the chat server: `ClientBootstrap` → ``TLSHandler`` → `LineFrameDecoder` →
/// ``ServerLineHandler``. Lines from the server go to the `deliver` closure given to ``open(host:port:tls:timeouts:deliver:)``;
/// lines to the server go through ``send(_:)``.
struct ClientConnection: Sendable {
    /// How long each step of opening a connection may take.
    struct Timeouts: Sendable {
        /// TCP connect.
        var connect: TimeAmount = .seconds(10)
        /// The wait for the server's first line after the handshake, which catches a TLS 1.3 server refusing the
        /// client certificate; when it runs out the connection is used anyway.
        var firstLine: TimeAmount = .seconds(5)
    }

    /// The channel; closing it ends the connection.
    let channel: any Channel
    /// What the handshake negotiated and the server's certificate.
    let session: TLSSessionInfo

    /// Connects, runs the TLS handshake and waits for the server's first line (or `timeouts.firstLine`).
    ///
    /// - Throws: ``ClientError`` `.configuration` (unusable TLS files), `.connectionFailed` (TCP), or
    ///   `.handshakeFailed` with ``ClientError/handshakeFailure`` saying why in words.
    static func open(
        host: String,
        port: Int,
        tls: TLSConfiguration,
        timeouts: Timeouts = Timeouts(),
        deliver: @escaping @Sendable (ConnectionEvent) -> Void
    ) async throws -> ClientConnection {
        let context: TLSContext
        do {
            context = try TLSContext(configuration: tls)
        } catch {
            throw ClientError(.configuration, detail: "\(error)")
        }
        let (channel, handshake, firstLine) = try await connect(
            host: host,
            port: port,
            context: context,
            timeout: timeouts.connect,
            deliver: deliver
        )
        do {
            let session = try await handshake.get()
            channel.eventLoop.scheduleTask(in: timeouts.firstLine) { firstLine.succeed(()) }
            try await firstLine.futureResult.get()
            return ClientConnection(channel: channel, session: session)
        } catch {
            await closeAndWait(channel)
            throw Self.handshakeError(error)
        }
    }

    /// Closes `channel` and waits, at most 2 seconds, until it and its handlers are gone, so the process never
    /// exits while the event loop is still inside OpenSSL.
    static func closeAndWait(_ channel: any Channel) async {
        let done = channel.eventLoop.makePromise(of: Void.self)
        channel.closeFuture.whenComplete { _ in
            // Handlers are removed on a later turn of the event loop; let that turn run first.
            channel.eventLoop.execute { done.succeed(()) }
        }
        channel.eventLoop.scheduleTask(in: .seconds(2)) { done.succeed(()) }
        channel.close(promise: nil)
        try? await done.futureResult.get()
    }

    /// Sends `line` and a newline.
    func send(_ line: String) {
        channel.writeAndFlush(ByteBuffer(string: line + "\n"), promise: nil)
    }

    /// Closes the connection (sending TLS close_notify first).
    func close() {
        channel.close(promise: nil)
    }

    private static func connect(
        host: String,
        port: Int,
        context: TLSContext,
        timeout: TimeAmount,
        deliver: @escaping @Sendable (ConnectionEvent) -> Void
    ) async throws -> (any Channel, EventLoopFuture<TLSSessionInfo>, EventLoopPromise<Void>) {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handshake = channel.eventLoop.makePromise(of: TLSSessionInfo.self)
                        let firstLine = channel.eventLoop.makePromise(of: Void.self)
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(TLSHandler(context: context))
                        try sync.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 64 * 1024)))
                        try sync.addHandler(
                            ServerLineHandler(handshake: handshake, firstLine: firstLine, deliver: deliver)
                        )
                        return (channel as any Channel, handshake.futureResult, firstLine)
                    }
                }
        } catch let error as ClientError {
            throw error
        } catch let error as TLSError {
            throw ClientError(.configuration, detail: "\(error)")
        } catch {
            throw ClientError(
                .connectionFailed,
                detail: ConnectFailureDescription.describe(error, host: host, port: port)
            )
        }
    }

    private static func handshakeError(_ error: any Error) -> ClientError {
        if let clientError = error as? ClientError {
            return clientError
        }
        let description =
            HandshakeFailureDescription(error: error)
            ?? HandshakeFailureDescription(verifyError: nil, detail: "\(error)")
        return ClientError(.handshakeFailed, detail: description.description, handshakeFailure: description)
    }
}
