import NIOCore
import NIOEmbedded
import Testing

@testable import SecureChatTLS

/// The plaintext waiting for a flush: joined in order, capped, promises kept with their writes, and nothing held
/// once it is taken.
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
        #expect(pending.bufferedBytes == 6, "a write after the flush waits for the next one")
        #expect(pending.takeFlushed() == nil)
        pending.markFlushed()
        #expect(pending.takeFlushed().map { String(buffer: $0.plaintext) } == "later\n")
        #expect(pending.isEmpty)
    }

    @Test func theCapIsKept() {
        var pending = PendingWrites(capacity: 8)
        let fits = pending.append(ByteBuffer(string: "12345"), promise: nil)
        let tooMuch = pending.append(ByteBuffer(string: "6789"), promise: nil)
        #expect(fits && !tooMuch)
        #expect(pending.bufferedBytes == 5)
    }

    /// A lone write goes out as the very buffer it came in (a room line shared by all recipients is not copied),
    /// and after a burst nothing is kept.
    @Test func aLoneWriteIsNotCopiedAndNothingIsKept() {
        var pending = PendingWrites(capacity: 1 << 20)
        let shared = ByteBuffer(string: "CHAT a: b\n")
        _ = pending.append(shared, promise: nil)
        pending.markFlushed()
        let taken = pending.takeFlushed()
        taken?.plaintext.withUnsafeReadableBytes { takenBytes in
            shared.withUnsafeReadableBytes { sharedBytes in
                #expect(takenBytes.baseAddress == sharedBytes.baseAddress)
            }
        }
        for _ in 0..<40 {
            _ = pending.append(ByteBuffer(string: "NOTICE x joined the conversation\n"), promise: nil)
        }
        pending.markFlushed()
        #expect(pending.takeFlushed()?.plaintext.readableBytes == 40 * 33)
        #expect(pending.isEmpty && pending.plaintext == nil)
    }

    /// Only the promises of flushed writes come out with them, in order; an empty write's promise counts too.
    @Test func promisesFollowTheirWrites() throws {
        let loop = EmbeddedEventLoop()
        let promises = (0..<4).map { _ in loop.makePromise(of: Void.self) }
        var pending = PendingWrites(capacity: 1024)
        _ = pending.append(ByteBuffer(string: "a"), promise: promises[0])
        _ = pending.append(ByteBuffer(), promise: promises[1])
        _ = pending.append(ByteBuffer(string: "b"), promise: nil)
        pending.markFlushed()
        _ = pending.append(ByteBuffer(string: "c"), promise: promises[2])
        let firstTaken = pending.takeFlushed()
        let first = try #require(firstTaken)
        #expect(String(buffer: first.plaintext) == "ab")
        #expect(first.promises.map { $0.futureResult } == [promises[0].futureResult, promises[1].futureResult])

        pending.markFlushed()
        _ = pending.append(ByteBuffer(string: "d"), promise: promises[3])
        let secondTaken = pending.takeFlushed()
        let second = try #require(secondTaken)
        #expect(String(buffer: second.plaintext) == "c")
        #expect(second.promises.map { $0.futureResult } == [promises[2].futureResult])
        #expect(pending.removeAll().map { $0.futureResult } == [promises[3].futureResult])
        #expect(pending.isEmpty)
        for promise in promises { promise.succeed() }
    }

    /// Plaintext OpenSSL could not take goes back in front of later writes, still flushed.
    @Test func putBackGoesInFront() throws {
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: Void.self)
        let later = loop.makePromise(of: Void.self)
        var pending = PendingWrites(capacity: 1024)
        _ = pending.append(ByteBuffer(string: "first"), promise: nil)
        pending.markFlushed()
        _ = pending.append(ByteBuffer(string: "-second"), promise: later)
        let takenTaken = pending.takeFlushed()
        let taken = try #require(takenTaken)
        pending.putBack(taken.plaintext, promise: promise)
        let againTaken = pending.takeFlushed()
        let again = try #require(againTaken)
        #expect(String(buffer: again.plaintext) == "first")
        #expect(again.promises.map { $0.futureResult } == [promise.futureResult])
        pending.markFlushed()
        let restTaken = pending.takeFlushed()
        let rest = try #require(restTaken)
        #expect(String(buffer: rest.plaintext) == "-second")
        #expect(rest.promises.map { $0.futureResult } == [later.futureResult])
        promise.succeed()
        later.succeed()
    }
}
