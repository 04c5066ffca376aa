import Foundation

/// Tells systemd what the server is doing (`Type=notify`): one datagram per state to the Unix socket that
/// `$NOTIFY_SOCKET` names, as `sd_notify(3)` does; nothing at all when the variable is not set.
struct SystemdNotifier: Sendable {
    /// The socket's path; `@` at the start stands for Linux's abstract namespace.
    let socketPath: String?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The server listens and takes connections.
    func ready(status: String) {
        send("READY=1\nSTATUS=\(status)")
    }

    /// A reload begins; `ready(status:)` says when it has ended.
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
    }

    /// The server is shutting down.
    func stopping() {
        send("STOPPING=1")
    }

    /// Sends `state`; false when there is no socket or the datagram could not be sent (systemd then goes by its
    /// timeouts, so a failure is not worth more than that).
    @discardableResult
    func send(_ state: String) -> Bool {
        guard let socketPath, var address = Self.address(socketPath) else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.pathLength)
        let sent = state.utf8CString.withUnsafeBufferPointer { bytes in
            withUnsafePointer(to: &address.storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(descriptor, bytes.baseAddress, bytes.count - 1, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent == state.utf8.count
    }

    private struct Address {
        var storage: sockaddr_un
        /// Bytes of `sun_path` that count: the path and its NUL, or, in the abstract namespace, exactly the name.
        var pathLength: Int
    }

    private static func address(_ path: String) -> Address? {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        return Address(storage: storage, pathLength: abstract ? bytes.count : bytes.count + 1)
    }
}
