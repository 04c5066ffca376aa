import NIOCore

/// Plaintext written by the application but not yet encrypted, with the promises to complete once it is sent.
///
/// Writes wait here until a flush (so one flush yields as few TLS records as possible) and, before the handshake
/// completes, until the handshake is done. They are kept as one buffer in write order: the first write is kept as it
/// came (a room line shared by every recipient is not copied), later ones are appended to it, so a flush hands
/// OpenSSL one contiguous buffer. `flushedBytes` marks how much of the front was flushed. Promises are kept only for
/// writes that have one, with the offset where each write ends. Once everything is taken the buffer is dropped, so
/// an idle connection holds nothing here. The total is capped, so a peer that never finishes the handshake cannot
/// make us buffer without bound.
struct PendingWrites {
    private struct Waiter {
        /// Where the write ends, counted from the front of ``PendingWrites/plaintext``.
        var end: Int
        var promise: EventLoopPromise<Void>
    }

    let capacity: Int
    /// Every buffered byte, oldest first; `nil` when there are none.
    private(set) var plaintext: ByteBuffer?
    /// How many bytes at the front were flushed.
    private(set) var flushedBytes = 0
    private var waiters: [Waiter] = []
    /// How many of the oldest `waiters` belong to flushed writes.
    private var flushedWaiters = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isEmpty: Bool { plaintext == nil && waiters.isEmpty }

    var bufferedBytes: Int { plaintext?.readableBytes ?? 0 }

    /// Appends a write, or returns `false` when it would take the buffer past its capacity.
    mutating func append(_ bytes: ByteBuffer, promise: EventLoopPromise<Void>?) -> Bool {
        guard bufferedBytes + bytes.readableBytes <= capacity else {
            return false
        }
        if bytes.readableBytes > 0 {
            if plaintext == nil {
                plaintext = bytes
            } else {
                plaintext!.writeImmutableBuffer(bytes)
            }
        }
        if let promise {
            waiters.append(Waiter(end: bufferedBytes, promise: promise))
        }
        return true
    }

    /// Marks every write so far as flushed.
    mutating func markFlushed() {
        flushedBytes = bufferedBytes
        flushedWaiters = waiters.count
    }

    /// Removes the flushed writes and returns their plaintext as one buffer, with the writes' promises.
    mutating func takeFlushed() -> (plaintext: ByteBuffer, promises: [EventLoopPromise<Void>])? {
        guard flushedBytes > 0 || flushedWaiters > 0 else {
            return nil
        }
        let taken: ByteBuffer
        if flushedBytes == bufferedBytes {
            taken = plaintext ?? ByteBuffer()
            plaintext = nil
        } else {
            taken = plaintext!.readSlice(length: flushedBytes)!
        }
        var promises: [EventLoopPromise<Void>] = []
        if flushedWaiters > 0 {
            promises = waiters.prefix(flushedWaiters).map(\.promise)
            waiters.removeFirst(flushedWaiters)
            for index in waiters.indices {
                waiters[index].end -= flushedBytes
            }
        }
        flushedBytes = 0
        flushedWaiters = 0
        return (taken, promises)
    }

    /// Puts plaintext that OpenSSL could not take yet back at the front, still flushed.
    mutating func putBack(_ bytes: ByteBuffer, promise: EventLoopPromise<Void>?) {
        if var rest = plaintext {
            var joined = bytes
            joined.writeBuffer(&rest)
            plaintext = joined
        } else if bytes.readableBytes > 0 {
            plaintext = bytes
        }
        for index in waiters.indices {
            waiters[index].end += bytes.readableBytes
        }
        if let promise {
            waiters.insert(Waiter(end: bytes.readableBytes, promise: promise), at: 0)
            flushedWaiters += 1
        }
        flushedBytes += bytes.readableBytes
    }

    /// Removes every write and returns their promises, to be failed.
    mutating func removeAll() -> [EventLoopPromise<Void>] {
        let promises = waiters.map(\.promise)
        plaintext = nil
        waiters = []
        flushedBytes = 0
        flushedWaiters = 0
        return promises
    }
}
