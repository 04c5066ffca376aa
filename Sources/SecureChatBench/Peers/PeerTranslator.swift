import NIOCore

/// What a ``PeerTranslator`` makes of one message from the server.
enum PeerAction: Equatable {
    /// Nothing for the bench (a MOTD line, a PINGRESP, …).
    case none
    /// A SecureChat line, with its newline, for ``BenchLineHandler``.
    case up(ByteBuffer)
    /// Bytes the protocol itself answers with, straight back to the server (a PONG, the SUBSCRIBE after CONNACK).
    case reply(ByteBuffer)
}

/// Turns another server's protocol into the SecureChat lines ``BenchLineHandler`` understands, and its lines into
/// that protocol: a login (the line answering `PROMPT`) becomes the peer's registration and joining the room, and it
/// ends with `WELCOME`; every later line becomes a message to the room, and every message from the room a `CHAT`
/// line. A state machine: it returns what to do and does no I/O.
protocol PeerTranslator {
    /// The next read from the server, after what was not translated yet.
    mutating func append(_ read: ByteBuffer)

    /// What the next whole message of the server means; nil when no whole message is left.
    mutating func next() throws -> PeerAction?

    /// Appends the peer protocol's bytes for `lines`, one or more SecureChat lines each ending in a newline.
    mutating func encode(_ lines: ByteBuffer, into out: inout ByteBuffer)

    /// What to do once the TLS handshake is done.
    func opening() -> PeerAction
}

extension PeerTranslator {
    /// Puts `read` after what earlier reads left in `pending` (taking it as it is when nothing was left; `pending` is
    /// emptied first, so the buffer grows in place instead of being copied).
    static func append(_ read: ByteBuffer, to pending: inout ByteBuffer?) {
        guard var earlier = pending else {
            pending = read
            return
        }
        pending = nil
        var read = read
        earlier.writeBuffer(&read)
        pending = earlier
    }

    /// Another server has no prompt: one is handed up, as SecureChat's server would send it, so that a connection
    /// that logs in answers it with its name.
    func opening() -> PeerAction {
        .up(ByteBuffer(string: "PROMPT Enter username:\n"))
    }

    /// Calls `body` with each line of `lines`, without its newline (and without a CR before it).
    static func forEachLine(in lines: ByteBuffer, _ body: (ByteBufferView) -> Void) {
        let view = lines.readableBytesView
        var start = view.startIndex
        while start < view.endIndex {
            let newline = view[start...].firstIndex(of: UInt8(ascii: "\n")) ?? view.endIndex
            var end = newline
            if end > start, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            body(view[start..<end])
            start = newline == view.endIndex ? newline : newline + 1
        }
    }
}
