internal import COpenSSL

/// Key material (a traffic secret, a key, an IV) in one allocation that is zeroed with `OPENSSL_cleanse` when the
/// last reference goes, as OpenSSL zeroes its own copies when it frees an `SSL`. Immutable once made.
final class SecretBytes: ManagedBuffer<Int, UInt8> {
    /// `count` bytes, zero, then filled in by `initialize`.
    static func make<Failure: Error>(
        count: Int,
        _ initialize: (UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) -> SecretBytes {
        let secret = unsafeDowncast(create(minimumCapacity: count) { _ in count }, to: SecretBytes.self)
        let result: Result<Void, Failure> = secret.withUnsafeMutablePointerToElements { elements in
            elements.initialize(repeating: 0, count: count)
            return Result { () throws(Failure) in
                try initialize(UnsafeMutableRawBufferPointer(start: elements, count: count))
            }
        }
        try result.get()
        return secret
    }

    /// A copy of `bytes`.
    static func copying(_ bytes: some Collection<UInt8>) -> SecretBytes {
        make(count: bytes.count) { space in space.copyBytes(from: bytes) }
    }

    var count: Int { header }

    func withUnsafeBytes<Success, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Success
    ) throws(Failure) -> Success {
        let result: Result<Success, Failure> = withUnsafeMutablePointers { count, elements in
            Result { () throws(Failure) -> Success in
                try body(UnsafeRawBufferPointer(start: elements, count: count.pointee))
            }
        }
        return try result.get()
    }

    /// A copy as an array, for tests.
    var bytes: [UInt8] {
        withUnsafeMutablePointers { count, elements in Array(UnsafeBufferPointer(start: elements, count: count.pointee))
        }
    }

    deinit {
        withUnsafeMutablePointers { count, elements in
            OPENSSL_cleanse(elements, count.pointee)
        }
    }
}
