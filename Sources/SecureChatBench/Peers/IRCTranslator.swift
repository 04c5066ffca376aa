import ChatTransport
import NIOCore

/// IRC (RFC 2812, as ngIRCd speaks it) for the bench: the login line becomes `NICK`/`USER`, the welcome (`001`) is
/// answered with `JOIN #bench`, the end of its names list (`366`) is the bench's `WELCOME`; later lines become
/// `PRIVMSG #bench`, and every `PRIVMSG` from the server a `CHAT <nick>: <text>` line. `PING` is answered with
/// `PONG`; an error numeric becomes an `ERROR` line, the server's `ERROR` a `BYE`.
///
/// Without `joinsChannel` the welcome (`001`) itself is the bench's `WELCOME`: the idle run's connections only
/// register, because every JOIN sends the newcomer the channel's whole names list and every member the JOIN, so
/// 5000 joins one after another cost ngIRCd time that grows with N² (about 4 joins/s by the 4000th here).
struct IRCTranslator: PeerTranslator {
    private static let channel = "#" + PeerProtocol.room
    /// Formatted once: it goes before every message the bench sends.
    private static let privmsgPrefix = Array("PRIVMSG \(channel) :".utf8)
    private let joinsChannel: Bool
    private var framer = LineFramer(maximumLineLength: 64 * 1024)
    /// The nickname, once the login line has been sent.
    private var nick: String?
    private var joined = false

    init(joinsChannel: Bool = true) {
        self.joinsChannel = joinsChannel
    }

    mutating func append(_ read: ByteBuffer) {
        framer.append(read)
    }

    mutating func next() throws -> PeerAction? {
        guard let frame = try framer.next() else { return nil }
        guard case .line(let line) = frame else { return PeerAction.none }
        return translate(line)
    }

    mutating func encode(_ lines: ByteBuffer, into out: inout ByteBuffer) {
        Self.forEachLine(in: lines) { line in
            guard nick != nil else {
                let name = String(decoding: line, as: UTF8.self)
                nick = name
                out.writeString("NICK \(name)\r\nUSER \(name) 0 * :\(name)\r\n")
                return
            }
            out.writeBytes(Self.privmsgPrefix)
            out.writeBytes(line)
            out.writeString("\r\n")
        }
    }

    /// One line from the server, without its LF.
    mutating func translate(_ line: ByteBuffer) -> PeerAction {
        var view = line.readableBytesView
        if view.last == UInt8(ascii: "\r") { view = view.dropLast() }
        let whole = view
        var source = view[view.startIndex..<view.startIndex]
        if view.first == UInt8(ascii: ":") {
            let space = view.firstIndex(of: UInt8(ascii: " ")) ?? view.endIndex
            source = view[(view.startIndex + 1)..<space]
            view = view[space...]
            while view.first == UInt8(ascii: " ") { view = view.dropFirst() }
        }
        let commandEnd = view.firstIndex(of: UInt8(ascii: " ")) ?? view.endIndex
        let command = view[view.startIndex..<commandEnd]
        let parameters = commandEnd < view.endIndex ? view[(commandEnd + 1)...] : view[commandEnd...]

        if command.elementsEqual("PRIVMSG".utf8) {
            let nickEnd = source.firstIndex(of: UInt8(ascii: "!")) ?? source.endIndex
            return .up(Self.chatLine(from: source[source.startIndex..<nickEnd], text: Self.trailing(parameters)))
        }
        if command.elementsEqual("PING".utf8) {
            var pong = ByteBuffer(string: "PONG ")
            pong.writeBytes(parameters)
            pong.writeString("\r\n")
            return .reply(pong)
        }
        if command.elementsEqual("001".utf8) {
            guard joinsChannel else {
                joined = true
                return .up(ByteBuffer(string: "WELCOME \(nick ?? "")\n"))
            }
            return .reply(ByteBuffer(string: "JOIN \(Self.channel)\r\n"))
        }
        if command.elementsEqual("366".utf8), !joined {
            joined = true
            return .up(ByteBuffer(string: "WELCOME \(nick ?? "")\n"))
        }
        if command.elementsEqual("ERROR".utf8) {
            return .up(Self.line("BYE ", whole))
        }
        if command.count == 3, let first = command.first, first == UInt8(ascii: "4") || first == UInt8(ascii: "5") {
            return .up(Self.line("ERROR ", whole))
        }
        return .none
    }

    /// The last parameter: what follows " :", or else the last word.
    private static func trailing(_ parameters: ByteBufferView) -> ByteBufferView {
        if parameters.first == UInt8(ascii: ":") { return parameters.dropFirst() }
        var index = parameters.startIndex
        while index < parameters.endIndex {
            if parameters[index] == UInt8(ascii: " ") {
                let next = index + 1
                if next < parameters.endIndex, parameters[next] == UInt8(ascii: ":") {
                    return parameters[(next + 1)...]
                }
            }
            index += 1
        }
        let lastSpace = parameters.lastIndex(of: UInt8(ascii: " ")).map { $0 + 1 } ?? parameters.startIndex
        return parameters[lastSpace...]
    }

    private static func chatLine(from nick: ByteBufferView, text: ByteBufferView) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(8 + nick.count + text.count)
        out.writeString("CHAT ")
        out.writeBytes(nick)
        out.writeString(": ")
        out.writeBytes(text)
        out.writeInteger(UInt8(ascii: "\n"))
        return out
    }

    private static func line(_ kind: String, _ text: ByteBufferView) -> ByteBuffer {
        var out = ByteBuffer(string: kind)
        out.writeBytes(text)
        out.writeInteger(UInt8(ascii: "\n"))
        return out
    }
}
