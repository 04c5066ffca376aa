import ChatCore
import ChatTransport
import NIOCore
import SecureChatTLS

/// Receives CHAT lines on a connection's event loop, for the fan-out receivers.
protocol ChatLineSink: AnyObject {
    /// One `CHAT <name>: <text>` line, without its newline.
    func chatLine(_ line: ByteBuffer)
}

/// The last handler of a benchmark connection, right behind `TLSHandler`: splits the plaintext into lines, completes
/// the handshake and login promises, answers the login prompts, matches command answers to the commands in order,
/// and hands CHAT lines to a sink.
///
/// It frames lines itself (`LineFramer`), not behind a framing handler (`LineFramingHandler`, as the server does): a
/// fan-out receiver's whole cost is reading lines, and the generator shares the box with the server it measures.
/// Event lines (`NOTICE`, `PING`, …) are skipped. Everything runs on the channel's event loop.
final class BenchLineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The data lines and the final line (`OK …`, `ERROR …` or `BYE …`) answering one command.
    struct Answer: Sendable {
        var dataLines: Int
        var final: String
        var isOK: Bool { final.hasPrefix("OK ") }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private enum Phase {
        case handshaking
        case awaitingPrompt
        case loggingIn
        case open
        case closed
    }

    private static let chatPrefix = Array("CHAT ".utf8)

    /// Completes with what the handshake negotiated (including whether it resumed a session).
    let handshake: EventLoopPromise<TLSSessionInfo>
    let welcome: EventLoopPromise<Void>
    /// Completes when the first `PROMPT` line arrives (the server's session ticket came before it).
    let prompt: EventLoopPromise<Void>
    private let name: String?
    private let password: String?
    private let sink: (any ChatLineSink)?
    private var phase = Phase.handshaking
    private var answers = CircularBuffer<(promise: EventLoopPromise<Answer>, dataLines: Int)>()
    private var context: ChannelHandlerContext?
    private var framer = LineFramer(maximumLineLength: 64 * 1024)
    /// A command was written during a read without a flush; `channelReadComplete` flushes it.
    private var needsFlush = false
    /// `ERROR` lines that answered no command (for example a refused chat line).
    private(set) var unexpectedErrors = 0
    private(set) var lastUnexpectedError: String?

    /// `name` nil: only the handshake is wanted; `password` answers a password prompt.
    init(loop: any EventLoop, name: String?, password: String?, sink: (any ChatLineSink)?) {
        self.handshake = loop.makePromise()
        self.welcome = loop.makePromise()
        self.prompt = loop.makePromise()
        self.name = name
        self.password = password
        self.sink = sink
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let session) = event as? TLSUserEvent, case .handshaking = phase {
            phase = name == nil ? .open : .awaitingPrompt
            handshake.succeed(session)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        framer.append(unwrapInboundIn(data))
        do {
            while let frame = try framer.next() {
                if case .line(let line) = frame { lineReceived(line) }
            }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    private func lineReceived(_ line: ByteBuffer) {
        if line.readableBytesView.starts(with: Self.chatPrefix) {
            sink?.chatLine(line)
            return
        }
        let text = String(buffer: line)
        let kind = text.prefix { $0 != " " }
        if kind == "PROMPT" { prompt.succeed(()) }
        switch phase {
        case .handshaking, .closed:
            break
        case .awaitingPrompt, .loggingIn:
            login(kind: kind, text: text)
        case .open:
            answer(kind: kind, text: text)
        }
    }

    /// Sends `line` and returns its answer. Commands are answered in the order they were sent.
    func command(_ line: String) -> EventLoopFuture<Answer> {
        command(ByteBuffer(string: line + "\n"), flush: true)
    }

    /// Sends `line` (a command ending in a newline) and returns its answer. `flush` false leaves the bytes buffered:
    /// commands sent while answers are being read go out together when the read completes (as an event-loop
    /// client pipelining its commands does); otherwise the caller flushes.
    func command(_ line: ByteBuffer, flush: Bool) -> EventLoopFuture<Answer> {
        let promise = handshake.futureResult.eventLoop.makePromise(of: Answer.self)
        guard case .open = phase, let context else {
            promise.fail(Failure(description: "the connection is not logged in"))
            return promise.futureResult
        }
        answers.append((promise, 0))
        if flush {
            context.writeAndFlush(wrapOutboundOut(line), promise: nil)
        } else {
            context.write(wrapOutboundOut(line), promise: nil)
            needsFlush = true
        }
        return promise.futureResult
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Sends `line` without waiting for an answer (a chat line).
    func send(_ buffer: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(Failure(description: "the server closed the connection"))
        context.fireChannelInactive()
    }

    private func login(kind: Substring, text: String) {
        switch kind {
        case "PROMPT":
            phase = .loggingIn
            let prompt = LoginPrompt(parsing: text.dropFirst(kind.count + 1))
            let reply = prompt.kind.isSecret ? password ?? "" : name ?? ""
            context?.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply + "\n")), promise: nil)
        case "WELCOME":
            phase = .open
            welcome.succeed(())
        case "ERROR", "BYE":
            phase = .closed
            welcome.fail(Failure(description: "login as \(name ?? "?") refused: \(text)"))
            context?.close(promise: nil)
        default:
            break
        }
    }

    private func answer(kind: Substring, text: String) {
        switch kind {
        case "OK", "ERROR", "BYE":
            guard let head = answers.popFirst() else {
                if kind == "ERROR" {
                    unexpectedErrors += 1
                    lastUnexpectedError = text
                }
                return
            }
            head.promise.succeed(Answer(dataLines: head.dataLines, final: text))
        case "INBOX", "USER", "DELIVERY", "HISTORY", "HELP":
            if !answers.isEmpty { answers[answers.startIndex].dataLines += 1 }
        default:
            break
        }
    }

    private func fail(_ error: any Error) {
        phase = .closed
        handshake.fail(error)
        welcome.fail(error)
        prompt.fail(error)
        while let head = answers.popFirst() {
            head.promise.fail(error)
        }
    }
}
