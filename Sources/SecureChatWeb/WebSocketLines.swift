public import NIOCore
public import NIOWebSocket

/// What a client's WebSocket frames mean for the line protocol: one text message is one line. Pure: it is given
/// frames and the time, and returns what to do (``Action``); ``WebSocketLineBridge`` carries that out.
///
/// RFC 6455 as a server must read it: client frames are masked, no reserved bits, no unknown opcodes, text is
/// UTF-8, a message's fragments come in order. Beyond the RFC, bounded: a message is at most one line long
/// (``WebSettings/maximumMessageLength``) in at most ``WebSettings/maximumFragments`` frames, holds no line break
/// (a frame is one line, never several), and pings are answered only at ``WebSettings/pingsPerSecond``.
public struct WebSocketLines {
    public enum Action: Equatable {
        /// A whole line for the session.
        case line(ByteBuffer)
        /// Answer a ping.
        case pong(ByteBuffer)
        /// Nothing to do (a pong, a fragment of a message still arriving).
        case none
        /// Send a close frame with this code and reason, then close the connection.
        case close(WebSocketErrorCode, String)
    }

    private let settings: WebSettings
    /// The fragments of a text message so far.
    private var message: ByteBuffer?
    private var fragments = 0
    private var pingTokens: Double
    private var lastPing: Double = 0

    public init(settings: WebSettings) {
        self.settings = settings
        self.pingTokens = settings.pingBurst
    }

    /// What `frame`, received at `now` (seconds, from any fixed start), asks for.
    public mutating func received(_ frame: WebSocketFrame, now: Double) -> Action {
        guard frame.rsv1 == false, frame.rsv2 == false, frame.rsv3 == false else {
            return .close(.protocolError, "no extension was agreed, so no reserved bit may be set")
        }
        guard frame.maskKey != nil else { return .close(.protocolError, "a client's frames must be masked") }
        switch frame.opcode {
        case .text:
            guard message == nil else {
                return .close(.protocolError, "a new message before the last one ended")
            }
            fragments = 0
            message = ByteBuffer()
            return append(frame)
        case .continuation:
            guard message != nil else { return .close(.protocolError, "a continuation with no message to continue") }
            return append(frame)
        case .binary:
            return .close(.unacceptableData, "only text frames carry lines")
        case .ping:
            pingTokens = min(settings.pingBurst, pingTokens + (now - lastPing) * settings.pingsPerSecond)
            lastPing = now
            guard pingTokens >= 1 else { return .close(.policyViolation, "too many pings") }
            pingTokens -= 1
            return .pong(frame.unmaskedData)
        case .pong:
            return .none
        case .connectionClose:
            return .close(.normalClosure, "")
        default:
            return .close(.protocolError, "unknown opcode")
        }
    }

    private mutating func append(_ frame: WebSocketFrame) -> Action {
        fragments += 1
        guard fragments <= settings.maximumFragments else {
            message = nil
            return .close(.policyViolation, "a message in more than \(settings.maximumFragments) frames")
        }
        var data = frame.unmaskedData
        guard (message?.readableBytes ?? 0) + data.readableBytes <= settings.maximumMessageLength else {
            message = nil
            return .close(.messageTooLarge, "a line is at most \(settings.maximumMessageLength) bytes")
        }
        message?.writeBuffer(&data)
        guard frame.fin, let line = message else { return .none }
        message = nil
        let bytes = line.readableBytesView
        guard !bytes.contains(UInt8(ascii: "\n")), !bytes.dropLast().contains(UInt8(ascii: "\r")) else {
            return .close(.dataInconsistentWithMessage, "one line per message: no line breaks")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .close(.dataInconsistentWithMessage, "a text message must be UTF-8")
        }
        return .line(line)
    }
}
