import NIOCore

/// Plaintext written by the application but not yet encrypted, with the promises to complete once it is sent.
///
/// Writes wait here until a flush (so one flush yields as few TLS records as possible) and, before the handshake
/// completes, until the handshake is done. `flushedCount` marks how many of the oldest writes were flushed.
/// The total is capped, so a peer that never finishes the handshake cannot make us buffer without bound.
struct PendingWrites {
    struct Write {
        var plaintext: ByteBuffer
        var promise: EventLoopPromise<Void>?
    }

    let capacity: Int
    private static let idleCapacity = 2
    /// Starts small: an idle connection holds this buffer for its whole life.
    private(set) var writes = CircularBuffer<Write>(initialCapacity: Self.idleCapacity)
    private(set) var bufferedBytes = 0
    private(set) var flushedCount = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isEmpty: Bool { writes.isEmpty }

    /// Appends a write, or returns `false` when it would take the buffer past its capacity.
    mutating func append(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?) -> Bool {
        guard bufferedBytes + plaintext.readableBytes <= capacity else {
            return false
        }
        writes.append(Write(plaintext: plaintext, promise: promise))
        bufferedBytes += plaintext.readableBytes
        return true
    }

    /// Marks every write so far as flushed.
    mutating func markFlushed() {
        flushedCount = writes.count
    }

    /// Removes the flushed writes and returns their plaintext as one buffer (copied only when there are several),
    /// so that OpenSSL can pack it into as few records as possible, with the writes' promises.
    mutating func takeFlushed() -> (plaintext: ByteBuffer, promises: [EventLoopPromise<Void>])? {
        guard flushedCount > 0 else {
            return nil
        }
        let first = writes.removeFirst()
        var plaintext = first.plaintext
        var promises: [EventLoopPromise<Void>] = []
        promises.reserveCapacity(flushedCount)
        if let promise = first.promise {
            promises.append(promise)
        }
        for _ in 1..<flushedCount {
            var write = writes.removeFirst()
            plaintext.writeBuffer(&write.plaintext)
            if let promise = write.promise {
                promises.append(promise)
            }
        }
        bufferedBytes -= plaintext.readableBytes
        flushedCount = 0
        if writes.isEmpty, writes.capacity > 16 * Self.idleCapacity {
            // A burst grew the ring; give the memory back now that it is empty.
            writes = CircularBuffer(initialCapacity: Self.idleCapacity)
        }
        return (plaintext, promises)
    }

    /// Puts plaintext that OpenSSL could not take yet back at the front, still flushed.
    mutating func putBack(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?) {
        writes.prepend(Write(plaintext: plaintext, promise: promise))
        bufferedBytes += plaintext.readableBytes
        flushedCount += 1
    }

    /// Removes every write and returns their promises, to be failed.
    mutating func removeAll() -> [EventLoopPromise<Void>] {
        let promises = writes.compactMap(\.promise)
        writes.removeAll()
        bufferedBytes = 0
        flushedCount = 0
        return promises
    }
}
