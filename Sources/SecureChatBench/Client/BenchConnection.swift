import NIOCore
import SecureChatTLS

/// One connection to the server made by ``BenchConnector``, usable from any task.
struct BenchConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<BenchLineHandler>
    /// What the handshake negotiated; set once it has completed.
    var session: TLSSessionInfo?

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Sends a command and waits for its answer.
    func command(_ line: String) async throws -> BenchLineHandler.Answer {
        try await commandFuture(line).get()
    }

    /// Sends a command; the future completes with its answer (for pipelining several commands).
    func commandFuture(_ line: String) -> EventLoopFuture<BenchLineHandler.Answer> {
        let handler = self.handler
        return channel.eventLoop.flatSubmit { handler.value.command(line) }
    }

    /// The number of `ERROR` lines that answered no command, and the last one.
    func unexpectedErrors() async throws -> (count: Int, last: String?) {
        let handler = self.handler
        return try await channel.eventLoop.submit {
            (handler.value.unexpectedErrors, handler.value.lastUnexpectedError)
        }.get()
    }

    /// Closes (TLS close_notify first) and waits until the channel is closed.
    func close() async {
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }
}
