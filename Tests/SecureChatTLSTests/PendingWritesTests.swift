import NIOCore
import Testing

@testable import SecureChatTLS

/// The plaintext waiting for a flush: joined in order, capped, and not holding a burst's memory afterwards.
@Suite struct PendingWritesTests {
    @Test func flushedWritesComeOutJoinedInOrder() {
        var pending = PendingWrites(capacity: 1024)
        let first = pending.append(ByteBuffer(string: "one\n"), promise: nil)
        let second = pending.append(ByteBuffer(string: "two\n"), promise: nil)
        pending.markFlushed()
        let third = pending.append(ByteBuffer(string: "later\n"), promise: nil)
        #expect(first && second && third)
        let taken = pending.takeFlushed()
        #expect(taken.map { String(buffer: $0.plaintext) } == "one\ntwo\n")
        #expect(pending.writes.count == 1, "a write after the flush waits for the next one")
    }

    @Test func theCapIsKept() {
        var pending = PendingWrites(capacity: 8)
        let fits = pending.append(ByteBuffer(string: "12345"), promise: nil)
        let tooMuch = pending.append(ByteBuffer(string: "6789"), promise: nil)
        #expect(fits && !tooMuch)
        #expect(pending.bufferedBytes == 5)
    }

    @Test func aBurstDoesNotKeepItsRing() {
        var pending = PendingWrites(capacity: 1 << 20)
        for _ in 0..<40 {
            _ = pending.append(ByteBuffer(string: "NOTICE x joined the conversation\n"), promise: nil)
        }
        #expect(pending.writes.capacity >= 40)
        pending.markFlushed()
        _ = pending.takeFlushed()
        #expect(pending.writes.capacity <= 2, "an idle connection keeps a small ring")

        // A few writes per flush reuse the ring they have.
        for _ in 0..<6 { _ = pending.append(ByteBuffer(string: "CHAT a: b\n"), promise: nil) }
        let grown = pending.writes.capacity
        pending.markFlushed()
        _ = pending.takeFlushed()
        #expect(pending.writes.capacity == grown)
    }
}
