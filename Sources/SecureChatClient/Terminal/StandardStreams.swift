#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to stdout and stderr.
enum StandardStreams {
    /// Writes all of `text` to `fileDescriptor`, retrying on EINTR; gives up silently if the reader is gone.
    static func write(_ text: String, to fileDescriptor: Int32 = STDOUT_FILENO) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                systemWrite(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR {
                    continue
                }
                return
            }
            offset += written
        }
    }

    /// Writes `text` and a newline to stderr.
    static func writeError(_ text: String) {
        write(text + "\n", to: STDERR_FILENO)
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
