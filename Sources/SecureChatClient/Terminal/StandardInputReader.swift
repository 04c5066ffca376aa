import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads stdin on a dedicated thread (a blocking read works for terminals, pipes and files alike) and yields
/// what it reads as ``ClientEvent``s. The thread ends with stdin, or with the process.
enum StandardInputReader {
    /// Interactive mode: raw bytes → ``KeyDecoder`` → `.keys`. A lone ESC is reported after 50 ms without more bytes.
    static func startKeys(yield: @escaping @Sendable (ClientEvent) -> Void) {
        let thread = Thread {
            var decoder = KeyDecoder()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                if decoder.hasPendingBytes, !waitForInput(milliseconds: 50) {
                    yield(.keys(decoder.flush()))
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR {
                    continue
                }
                guard count > 0 else {
                    yield(.inputEnded)
                    return
                }
                let keys = decoder.decode(buffer[..<count])
                if !keys.isEmpty {
                    yield(.keys(keys))
                }
            }
        }
        thread.name = "securechat-keyboard"
        thread.start()
    }

    /// Scripted mode: lines (without their line ending) → `.inputLine`, then `.inputEnded`.
    static func startLines(yield: @escaping @Sendable (ClientEvent) -> Void) {
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                yield(.inputLine(line.hasSuffix("\r") ? String(line.dropLast()) : line))
            }
            yield(.inputEnded)
        }
        thread.name = "securechat-stdin"
        thread.start()
    }

    private static func waitForInput(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) != 0
    }
}
