public import NIOCore
public import NIOWebSocket

/// What a client's WebSocket frames mean for the line protocol: one text message is one line. Pure: it is given
/// frames and the time, and returns what to do (``Action``); ``WebSocketLineBridge`` carries that out.
///
/// RFC 6455 as a server must read it: client frames are masked, no reserved bits, no unknown opcodes, text is
/// UTF-8, a message's fragments come in order. Beyond the RFC, bounded: a message is at most one line long
/// (``WebSettings/maximumMessageLength``) in at most ``WebSettings/maximumFragments`` frames, holds no line break
/// (a frame is one line, never several), and pings (and pongs, which the server never asks for) are taken only at
/// ``WebSettings/pingsPerSecond``.
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
            guard spendControlToken(now: now) else { return .close(.policyViolation, "too many pings") }
            return .pong(frame.unmaskedData)
        case .pong:
            // The server never pings: every pong is unasked for, and counts as a ping would.
            guard spendControlToken(now: now) else { return .close(.policyViolation, "too many pongs") }
            return .none
        case .connectionClose:
            return Self.isValidClose(frame.unmaskedData)
                ? .close(.normalClosure, "")
                : .close(.protocolError, "a malformed close frame (its code, its length or its reason)")
        default:
            return .close(.protocolError, "unknown opcode")
        }
    }

    private mutating func spendControlToken(now: Double) -> Bool {
        pingTokens = min(settings.pingBurst, pingTokens + (now - lastPing) * settings.pingsPerSecond)
        lastPing = now
        guard pingTokens >= 1 else { return false }
        pingTokens -= 1
        return true
    }

    /// A close frame's body is empty, or a code an endpoint may send (RFC 6455 7.4: not 1004–1006 or 1015, nothing
    /// unassigned below 3000) and a UTF-8 reason.
    static func isValidClose(_ body: ByteBuffer) -> Bool {
        guard body.readableBytes > 0 else { return true }
        guard body.readableBytes >= 2, let code = body.getInteger(at: body.readerIndex, as: UInt16.self) else {
            return false
        }
        guard (1000...1003).contains(code) || (1007...1014).contains(code) || (3000...4999).contains(code) else {
            return false
        }
        return String(validating: body.readableBytesView.dropFirst(2), as: UTF8.self) != nil
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
