import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed TCP connect in words ("connection refused"), instead of NIO's error values.
enum ConnectFailureDescription {
    /// Why connecting to `host:port` failed.
    static func describe(_ error: any Error, host: String, port: Int) -> String {
        let target = KnownHosts.hostPort(host: host, port: port)
        if let connection = error as? NIOConnectionError {
            if connection.dnsAAAAError != nil, connection.dnsAError != nil, connection.connectionErrors.isEmpty {
                return "cannot resolve the host name \(host)"
            }
            if let first = connection.connectionErrors.first {
                return describe(first.error, host: host, port: port)
            }
            return "cannot connect to \(target)"
        }
        if case ChannelError.connectTimeout = error {
            return "connecting to \(target) timed out"
        }
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case ECONNREFUSED: return "connection refused by \(target) (is the server running?)"
            case ENETUNREACH, EHOSTUNREACH: return "\(target) is unreachable"
            case ETIMEDOUT: return "connecting to \(target) timed out"
            default: return "cannot connect to \(target): \(String(cString: strerror(ioError.errnoCode)))"
            }
        }
        return "cannot connect to \(target): \(error)"
    }
}
