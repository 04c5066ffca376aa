import ChatCore
import ChatTransport
import Foundation
import Logging
import NIOCore
import SecureChatTLS
import SecureChatWeb
import Synchronization

/// One connection's session: inputs in, `SessionStateMachine` decides the login, ``ChatService`` the chat, and this
/// carries out what they return on the connection.
///
/// Inputs come from `SessionInputHandler` on the event loop. An input whose outcome needs no waiting (the TLS
/// handshake's end, a line answered from the state machine alone, the close of a connection that never logged in) is
/// carried out right there on the loop. Anything that must wait (the service) runs in a task, and inputs arriving
/// meanwhile queue behind it; the task ends when the queue is empty. An idle connection holds no task and no async
/// frames, and a connection that never logs in never starts one.
///
/// `@unchecked Sendable`: `queue` is protected by its mutex, and every other mutable property by the queue's claim.
/// Whoever holds the claim (the loop while it carries out an input at once, or the one drain task) is the only one
/// to touch them; the claim is taken and given up under the queue's mutex, which orders their accesses
/// (``SessionInputQueue``).
final class ConnectionSession: @unchecked Sendable {

    let id: ConnectionID
    let channel: any Channel
    /// The service, the delivery sink, the settings and the server's logger, shared by every connection.
    let environment: SessionEnvironment
    var service: ChatService { environment.service }
    var delivery: LocalDeliverySink { environment.delivery }
    var loginTimeout: TimeAmount { environment.limits.loginTimeout }
    /// The server's logger: this connection's metadata is added only when something is logged (see ``logger``), so
    /// an idle connection does not hold a metadata dictionary of its own.
    var serverLogger: Logger { environment.logger }
    /// Whether a refused line has been logged (only the first one is).
    private var loggedRefusedLine = false

    var machine = SessionStateMachine()
    /// The peer's address, kept as the channel holds it (sharing its storage) and put in words only for a log line:
    /// the channel forgets it on closing, and a formatted copy would cost every connection a string.
    private let peerAddress: SocketAddress?
    var peer: String { Self.describe(peerAddress) }
    /// The address block wrong passwords are counted against (see ``LoginGuard``).
    private let source: String
    /// The protocol and cipher, for the log line of the login.
    private var tlsSummary = ""
    /// What the others are told when this session leaves the room; a close that does not set it is unexpected.
    var leaveReason = LeaveReason.dropped
    /// The user logged in on this connection, as the service knows them; kept after leaving until the session ends.
    var user: ChatUser?
    /// The verified client certificate, boxed: inline, a `PeerIdentity` would take 88 bytes of every connection,
    /// with a certificate or without.
    private var verifiedCertificate: VerifiedCertificate?
    /// The verified certificate's DER from the handshake until the login hands it to the service (to be sealed to);
    /// not kept after, as an idle connection should not hold it.
    private var certificateDER: [UInt8]?
    private var certificate: PeerIdentity? { verifiedCertificate?.identity }
    var expiry: Scheduled<Void>?
    private var flood: FloodGuard
    var deadline: Scheduled<Void>?
    var stopped = false
    /// A batch is being gathered: answers that need no waiting must queue behind the batch's.
    var gathering = false
    /// The drain task carried out something that may have written to this connection (an answer, or a delivery
    /// from the room such as the greeting), so it gives up its claim behind those writes; see ``nextPending()``.
    var mayHaveWritten = false
    var finished = false
    /// A batch begun on the loop during a read, whose task ``readEnded()`` starts (the loop holds the claim meanwhile).
    var startAfterRead: Pending?
    /// Past 64 waiting inputs the connection stops reading from its socket until fewer than 16 are left.
    let queue = Mutex(SessionInputQueue<SessionInput>(pauseAbove: 64, resumeBelow: 16))
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    /// Set once the user is in the room; read by the input handler on the event loop, which must not probe a
    /// connection for idleness before `WELCOME` (the login deadline covers that time).
    private let inRoom = Atomic(false)

    /// Whether the user has logged in (got `WELCOME`). Safe from any thread.
    var hasJoined: Bool { inRoom.load(ordering: .relaxed) }

    init(id: ConnectionID, channel: any Channel, environment: SessionEnvironment) {
        self.id = id
        self.channel = channel
        self.environment = environment
        self.peerAddress = channel.remoteAddress
        self.source = ConnectionAdmission.addressBlock(of: channel.remoteAddress?.ipAddress ?? "?")
        self.started = clock.now
        let limits = environment.limits
        self.flood = FloodGuard(burst: limits.rateBurst, rate: limits.ratePerSecond, now: 0)
    }

    /// Logs at debug level; the connection's metadata is only built when debug logging is on (every connection
    /// passes here on its way, so this saves building and dropping a metadata dictionary each time).
    func debug(
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata? = nil
    ) {
        guard serverLogger.logLevel <= .debug else { return }
        logger.debug(message(), metadata: metadata())
    }

    /// The logger with the connection's id and the peer's address, from fields that never change: safe from the
    /// event loop while the drain task works (``logger`` also names the user, which the task sets).
    var connectionLogger: Logger {
        var logger = serverLogger
        logger[metadataKey: "conn"] = "\(id)"
        logger[metadataKey: "peer"] = .string(peer)
        return logger
    }

    /// The logger with this connection's metadata: its id, the peer's address and, once logged in, the user. Only for
    /// the holder of the claim.
    var logger: Logger {
        var logger = serverLogger
        logger[metadataKey: "conn"] = "\(id)"
        logger[metadataKey: "peer"] = .string(peer)
        if let user { logger[metadataKey: "user"] = "\(user.name)" }
        return logger
    }

    enum Flow { case proceed, stop }

    func event(_ input: SessionInput) -> SessionStateMachine.Action {
        switch input {
        case .established(let info):
            // How the connection carries lines, as ALPN chose: the line protocol, or a WebSocket (docs/WEB.md).
            let carrier = info.applicationProtocol == WebSettings.applicationProtocol ? "WebSocket" : "lines"
            tlsSummary =
                "\(info.protocolVersion) \(info.cipher)\(info.applicationProtocol.map { " ALPN \($0)" } ?? "") \(carrier)"
            if let peer = info.peer, peer.verified {
                certificateDER = peer.der
                var kept = peer
                kept.der = []
                verifiedCertificate = VerifiedCertificate(kept)
            }
            debug(
                "TLS established",
                metadata: [
                    "tls": "\(tlsSummary)",
                    "cert": "\(info.peer.map { "CN=\($0.commonName ?? "?") \($0.fingerprintSHA256)" } ?? "none")",
                ]
            )
            // A verified certificate without one usable CN is refused, not taken for no certificate: its holder
            // must not pick a name of their own (with client certificates required, or a certificate user's).
            return machine.handshakeCompleted(certificateName: certificate.map { $0.commonName ?? "" })
        case .frame(.overlong):
            if let refusal = floodCheck() { return refusal }
            let limit = environment.maximumLineLength
            let framed = max(limit, ProtocolLimits.maximumSealedLineBytes)
            logRefusedLine("a line over \(framed) bytes (line-too-long)")
            return machine.lineRejected(
                framed > limit ? .lineTooLong(limit: limit, sealLimit: framed) : .lineTooLong(limit: limit)
            )
        case .frame(.line(let buffer)):
            if let refusal = floodCheck() { return refusal }
            // The line ending is not counted: a CR before the LF is still in the line.
            let length = buffer.readableBytes - (buffer.readableBytesView.last == UInt8(ascii: "\r") ? 1 : 0)
            if length > environment.maximumLineLength, !Self.isSealLine(buffer.readableBytesView) {
                logRefusedLine("a line over \(environment.maximumLineLength) bytes (line-too-long)")
                return machine.lineRejected(.lineTooLong(limit: environment.maximumLineLength))
            }
            switch CommandParser.decodeLine(buffer.readableBytesView) {
            case .success(let line): return machine.lineReceived(line)
            case .failure(let error):
                logRefusedLine("a line of \(buffer.readableBytes) bytes (\(error.code))")
                return machine.lineRejected(error)
            }
        case .loginTimedOut:
            logger.info("login timed out")
            return machine.loginTimedOut()
        case .certificateExpired:
            logger.notice("client certificate expired during the session")
            leaveReason = .certificateExpired
            return machine.terminate(because: "your client certificate expired")
        case .opened, .closed:
            preconditionFailure("handled by handle(_:)")
        }
    }

    /// Whether a line starts with the command word `seal` (any case, `/` allowed), the one command whose line may
    /// be longer than the others.
    private static func isSealLine(_ bytes: ByteBufferView) -> Bool {
        let start = bytes.first == UInt8(ascii: "/") ? bytes.index(after: bytes.startIndex) : bytes.startIndex
        let word = bytes[start...].prefix(5)
        return word.count == 5 && word.last == UInt8(ascii: " ")
            && String(decoding: word.dropLast(), as: UTF8.self).lowercased() == CommandVerb.seal.rawValue
    }

    /// Logs the first line refused on this connection (too long, not UTF-8, over the rate); later ones are answered
    /// but not logged, so a client cannot fill the log.
    private func logRefusedLine(_ what: String) {
        guard !loggedRefusedLine else { return }
        loggedRefusedLine = true
        logger.info("refused \(what); further refused lines of this connection are not logged")
    }

    /// Applies the connection's line rate, before login as after: nil to go on, or the refusal to carry out instead.
    private func floodCheck() -> SessionStateMachine.Action? {
        switch flood.line(now: (clock.now - started) / .seconds(1)) {
        case .accept:
            return nil
        case .refuse(let wait):
            environment.metrics.lineRateLimited()
            logRefusedLine("a line over the rate limit (rate-limited)")
            // Before login the machine repeats its prompt after the error (ordering rule 1).
            return machine.lineRejected(.rateLimited(retryAfterSeconds: Int(wait.rounded(.up))))
        case .disconnect:
            environment.metrics.floodDisconnected()
            logger.warning(
                "flooding: too many lines refused in a row, closing the connection",
                metadata: ["event": "flooding"]
            )
            leaveReason = .flooding
            return machine.terminate(because: "too many lines too fast")
        }
    }

    /// The one interpreter of the machine's actions that need waiting: each is carried out with the service, whose
    /// answer goes back to the machine, until an action ends the input.
    func carryOut(_ first: SessionStateMachine.Action) async throws -> Flow {
        var action = first
        while true {
            switch action {
            case .none:
                return .proceed
            case .send(let replies):
                send(replies)
                return .proceed
            case .close(let replies):
                if replies.contains(.disconnected) { leaveReason = .tata }
                // Out of the room before the goodbye: a message sent to this user from now on finds them offline and
                // is queued, and one delivered before is already on its way to the loop, ahead of the `BYE`.
                if user != nil { await service.leave(&user!, because: leaveReason) }
                try? await write(replies)
                return .stop
            case .lookUpName(let name):
                action = machine.nameLookedUp(await service.status(of: name, from: source))
            case .verifyPassword(let name, let password, let hash):
                switch await service.checkPassword(password, against: hash, for: name, from: source) {
                case .locked(let seconds): action = machine.passwordRefusedWhileLocked(seconds: seconds)
                case .correct: action = machine.passwordVerified(true)
                case .wrong: action = machine.passwordVerified(false)
                case .unavailable: action = machine.passwordCheckUnavailable()
                }
            case .recordWrongPassword(let name):
                action = machine.wrongPasswordRecorded(
                    lockSeconds: await service.recordWrongPassword(for: name, from: source)
                )
            case .join(let name, let identity):
                action = await join(name, identity)
            case .say(let text):
                if let user { service.say([text], from: user) }
                return .proceed
            case .perform(let command):
                guard user != nil else { preconditionFailure("perform without a user") }
                let wasGuest = user!.identity == .guest
                let replies = await service.perform(command, for: &user!)
                if wasGuest, user!.identity != .guest { machine.registered() }
                send(replies)
                return .proceed
            }
        }
    }

    private func join(_ name: Username, _ identity: IdentityKind) async -> SessionStateMachine.Action {
        let der = identity == .certificate ? certificateDER : nil
        certificateDER = nil
        switch await service.join(name, as: identity, on: id, certificate: der) {
        case .failure(let error):
            return machine.joinRefused(error)
        case .success(let joined):
            user = joined
            inRoom.store(true, ordering: .relaxed)
            if identity == .certificate, let certificate {
                delivery.attach(certificate, to: id)
                scheduleExpiry(of: certificate)
            }
            let credential = certificate.map { "certificate CN=\($0.commonName ?? "?")" } ?? identity.rawValue
            logger.info(
                "Client \(peer) connected [ \(name) ] \(tlsSummary) \(credential)",
                metadata: ["event": "login"]
            )
            tlsSummary = ""  // said; an idle connection should not keep it
            return machine.joined()
        }
    }

    private func scheduleExpiry(of certificate: PeerIdentity) {
        guard let notAfter = certificate.notAfter else { return }
        let raw = channel
        let seconds = max(0, notAfter.timeIntervalSinceNow)
        expiry = raw.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            raw.pipeline.fireUserInboundEventTriggered(SessionTimerEvent.certificateExpiry)
        }
    }

    /// The end of a session that logged in: out of the room (if a close has not done it already), the logout
    /// recorded.
    func finish() async {
        if user != nil {
            await service.leave(&user!, because: leaveReason)
            logger.info("Client \(peer) is offline [ \(user!.name) ]", metadata: ["event": "logout"])
            await service.end(&user!)
        }
        machine.connectionClosed()
        delivery.unregister(id)
    }

    /// Queues `replies` in one buffer and flushes, without waiting: the channel keeps them in order, and the outbound
    /// queue limit bounds what a reader that does not read can pile up.
    func send(_ replies: [ServerReply]) {
        guard let buffer = encode(replies) else { return }
        // From the drain task the write waits in the loop's queue; the claim must be given up behind it.
        if !channel.eventLoop.inEventLoop { mayHaveWritten = true }
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Like `send(_:)`, then waits until the bytes are handed to the socket; throws if the connection failed first.
    func write(_ replies: [ServerReply]) async throws {
        guard let buffer = encode(replies) else { return }
        try await channel.writeAndFlush(buffer)
    }

    private func encode(_ replies: [ServerReply]) -> ByteBuffer? {
        guard !replies.isEmpty else { return nil }
        var buffer = channel.allocator.buffer(capacity: 64 * replies.count)
        for reply in replies {
            // Before WELCOME every refusal is one of the login.
            if user == nil, case .error(let error) = reply { environment.metrics.loginRefused(error.code) }
            buffer.writeBytes(ReplyFormatter.bytes(for: reply))
        }
        return buffer
    }

    private static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "(unknown)" }
        return "(\(address.ipAddress ?? "?"), \(address.port ?? 0))"
    }
}

/// A client certificate that passed verification, held by reference (see ``ConnectionSession``).
private final class VerifiedCertificate {
    let identity: PeerIdentity

    init(_ identity: PeerIdentity) {
        self.identity = identity
    }
}
