internal import COpenSSL
import Synchronization

/// ALPN (RFC 7301): protocol lists in the wire format OpenSSL takes (each name after a length byte), and the server's
/// choice among what a client offers.
///
/// A server's list is reached from OpenSSL's selection callback through a raw pointer, and an `SSL` may outlive the
/// ``TLSContext`` that made it (a reload drops the context while handshakes it began go on). So lists are interned
/// for the life of the process and never freed: a server has one or two of them.
enum ApplicationProtocols {
    /// Interned lists by their names, as the address of a block holding the wire format's length (an `Int`) and then
    /// the wire format itself.
    private static let interned = Mutex<[[String]: UInt]>([:])

    /// Why `protocols` cannot be offered, or nil when it can: each name 1 to 255 bytes, the list at most 65 535.
    static func problem(with protocols: [String]) -> String? {
        if let bad = protocols.first(where: { $0.utf8.isEmpty || $0.utf8.count > 255 }) {
            return "an ALPN protocol name must be 1 to 255 bytes, not \(bad.utf8.count)"
        }
        if protocols.reduce(0, { $0 + 1 + $1.utf8.count }) > 65_535 { return "the ALPN list is too long" }
        return nil
    }

    /// The wire format of `protocols`, which ``problem(with:)`` accepted.
    static func wire(_ protocols: [String]) -> [UInt8] {
        protocols.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
    }

    /// The interned block for `protocols`: the `arg` of ``select``.
    static func block(for protocols: [String]) -> UnsafeMutableRawPointer {
        let address = interned.withLock { interned -> UInt in
            if let address = interned[protocols] { return address }
            let bytes = wire(protocols)
            let block = UnsafeMutableRawPointer.allocate(
                byteCount: MemoryLayout<Int>.size + bytes.count,
                alignment: MemoryLayout<Int>.alignment
            )
            block.storeBytes(of: bytes.count, as: Int.self)
            (block + MemoryLayout<Int>.size).copyMemory(from: bytes, byteCount: bytes.count)
            let address = UInt(bitPattern: block)
            interned[protocols] = address
            return address
        }
        return UnsafeMutableRawPointer(bitPattern: address)!
    }

    /// The server's choice: the first of its protocols (the interned block `arg`) that the client offered. With none
    /// in common the handshake goes on without ALPN (RFC 7301 would allow a fatal alert; a client that offers only
    /// protocols we do not speak may still speak ours, the line protocol, as `openssl s_client -alpn x` does).
    static let select:
        @convention(c) (
            OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
            UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
        ) -> Int32 = { _, out, outLength, offered, offeredLength, arg in
            guard let out, let outLength, let offered, let arg else { return SSL_TLSEXT_ERR_NOACK }
            let length = arg.load(as: Int.self)
            let ours = (arg + MemoryLayout<Int>.size).assumingMemoryBound(to: UInt8.self)
            var chosen: UnsafeMutablePointer<UInt8>?
            var chosenLength: UInt8 = 0
            // The choice points into our own list, which lives as long as the process.
            guard
                SSL_select_next_proto(&chosen, &chosenLength, ours, UInt32(length), offered, offeredLength)
                    == OPENSSL_NPN_NEGOTIATED,
                let chosen
            else { return SSL_TLSEXT_ERR_NOACK }
            out.pointee = UnsafePointer(chosen)
            outLength.pointee = chosenLength
            return SSL_TLSEXT_ERR_OK
        }
}
