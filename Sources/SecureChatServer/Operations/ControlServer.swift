import Foundation
import Logging
import NIOCore
import NIOPosix

/// The operator's control socket: a Unix socket, mode 0600, that only this server's user (or root) may use. Each
/// connection sends one command line and gets its ``ControlAnswer``; then the server closes it.
struct ControlServer {
    private let channel: any Channel
    let path: String

    /// Listens on `path`. A socket file left by a server that is gone is replaced; a live one, or a file that is
    /// not a socket, is not touched and the server does not start.
    static func start(
        path: String,
        group: any EventLoopGroup,
        logger: Logger,
        answer: @escaping @Sendable (ControlCommand) async -> ControlAnswer
    ) async throws -> ControlServer {
        try removeStaleSocket(at: path)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    admit(channel, logger: logger, answer: answer)
                }
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false)
                .get()
        } catch {
            throw StartupError("cannot listen on the control socket \(path): \(error)")
        }
        guard chmod(path, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            try? await channel.close()
            throw StartupError("cannot make the control socket \(path) private: \(reason)")
        }
        logger.info("control socket: \(path)")
        return ControlServer(channel: channel, path: path)
    }

    func close() async {
        try? await channel.close()
        unlink(path)
    }

    /// Serves a connection whose peer runs as this process's user or as root; any other is closed at once (the
    /// socket's mode already keeps them out where the file system honours it).
    private static func admit(
        _ channel: any Channel,
        logger: Logger,
        answer: @escaping @Sendable (ControlCommand) async -> ControlAnswer
    ) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: SocketOptionName(SO_PEERCRED)
        )
        return credentials.flatMapThrowing { peer in
            guard peer.uid == geteuid() || peer.uid == 0 else {
                logger.warning(
                    "control socket: refused a connection from uid \(peer.uid) (pid \(peer.pid))",
                    metadata: ["event": "control-refused"]
                )
                throw ControlRefused()
            }
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(ControlHandler(pid: peer.pid, logger: logger, answer: answer))
        }
    }

    /// Unlinks `path` if it is a socket nobody listens on; throws if someone does, or if it is something else.
    private static func removeStaleSocket(at path: String) throws {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw StartupError("--control-socket \(path) exists and is not a socket; remove it or choose another path")
        }
        if isListening(path) {
            throw StartupError("another server answers on the control socket \(path)")
        }
        unlink(path)
    }

    private static func isListening(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { Foundation.close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return connected == 0
    }
}

/// `struct ucred` of `SO_PEERCRED` (Linux), spelt out: Glibc declares it only under `_GNU_SOURCE`.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

struct ControlRefused: Error {}

/// Reads one command line (at most 1 KiB, within 10 s), answers it and closes the connection.
final class ControlHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let pid: Int32
    private let logger: Logger
    private let answer: @Sendable (ControlCommand) async -> ControlAnswer
    private var received = ByteBuffer()
    private var answered = false
    private var deadline: Scheduled<Void>?

    init(pid: Int32, logger: Logger, answer: @escaping @Sendable (ControlCommand) async -> ControlAnswer) {
        self.pid = pid
        self.logger = logger
        self.answer = answer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: .seconds(10)) {
            loopBound.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        guard let newline = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if received.readableBytes > 1024 { refuse(context: context) }
            return
        }
        let length = newline - received.readerIndex
        let line = received.readBytes(length: length) ?? []
        guard length <= 1024, let text = String(validating: line, as: UTF8.self) else {
            refuse(context: context)
            return
        }
        answered = true
        // The line is in: the answer may take longer than the time to send it (a `who` over PostgreSQL).
        deadline?.cancel()
        let trimmed = text.hasSuffix("\r") ? text.dropLast() : Substring(text)
        // Every command, refused ones too; the log handler neutralises control characters in it.
        logger.notice("control socket: \(trimmed.prefix(200))", metadata: ["event": "control", "pid": "\(pid)"])
        switch ControlCommand.parse(trimmed) {
        case .failure(let refusal):
            reply(refusal, context: context)
        case .success(let command):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let answer = self.answer
            let loop = context.eventLoop
            Task {
                let result = await answer(command)
                loop.execute {
                    let (handler, context) = loopBound.value
                    handler.reply(result, context: context)
                }
            }
        }
    }

    /// A command over 1 KiB or not UTF-8: logged and answered. The client may still be sending it; closing with its
    /// bytes unread would reset the connection before the client read the answer, so the rest is read and dropped
    /// until the client closes (or the deadline).
    private func refuse(context: ChannelHandlerContext) {
        logger.notice("control socket: refused a command over 1 KiB or not UTF-8", metadata: ["pid": "\(pid)"])
        received = ByteBuffer()
        reply(.error("command too long or not UTF-8"), context: context, close: .output)
    }

    private func reply(_ answer: ControlAnswer, context: ChannelHandlerContext, close mode: CloseMode = .all) {
        answered = true
        // The client may have gone while the answer was made.
        guard context.channel.isActive else { return }
        let buffer = context.channel.allocator.buffer(string: answer.wire)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            loopBound.value.close(mode: mode, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
