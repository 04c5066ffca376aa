import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Mosquitto or ngIRCd from Debian's packages, in the foreground on a free loopback port with TLS and the test
/// certificates, configured as bench/anchors.sh configures them: the servers `securechat-bench --peer` measures.
final class AnchorServer: @unchecked Sendable {
    enum Kind: String, Sendable {
        case mosquitto
        case ngircd

        /// `securechat-bench --peer` for this server.
        var peer: String { self == .mosquitto ? "mqtt" : "irc" }

        /// The Debian package that installs this server.
        var package: SystemPackage { self == .mosquitto ? .mosquitto : .ngircd }
    }

    let kind: Kind
    let process: LineProcess
    let port: Int
    let pki: TestPKI

    private init(kind: Kind, process: LineProcess, port: Int, pki: TestPKI) {
        self.kind = kind
        self.process = process
        self.port = port
        self.pki = pki
    }

    deinit {
        process.signal(SIGKILL)
    }

    static func start(_ kind: Kind) async throws -> AnchorServer {
        guard let executable = kind.package.executable else {
            throw ServerProcess.StartFailure(log: "\(kind.rawValue) is not installed")
        }
        let pki = try TestPKI.make()
        let port = try freePort()
        let config = pki.path("\(kind.rawValue).conf")
        let arguments: [String]
        switch kind {
        case .mosquitto:
            try mosquittoConfig(port: port, pki: pki).write(toFile: config, atomically: true, encoding: .utf8)
            arguments = ["-c", config]
        case .ngircd:
            try pki.run([
                "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", pki.path("dh.pem"),
            ])
            try ngircdConfig(port: port, plainPort: try freePort(), pki: pki)
                .write(toFile: config, atomically: true, encoding: .utf8)
            arguments = ["--nodaemon", "--config", config]
        }
        let process = try LineProcess(name: kind.rawValue, executable: executable, arguments: arguments)
        let server = AnchorServer(kind: kind, process: process, port: port, pki: pki)
        for _ in 0..<200 {
            if (try? RawSocket(port: port)) != nil { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcess.StartFailure(log: process.errorLines.joined(separator: "\n"))
    }

    private static func mosquittoConfig(port: Int, pki: TestPKI) -> String {
        """
        per_listener_settings false
        persistence false
        log_dest stderr
        log_type error
        log_type warning
        set_tcp_nodelay true
        user \(userName())
        listener \(port) 127.0.0.1
        certfile \(pki.serverCertificate)
        keyfile \(pki.serverKey)
        allow_anonymous true

        """
    }

    private static func ngircdConfig(port: Int, plainPort: Int, pki: TestPKI) -> String {
        """
        [Global]
        Name = bench.invalid
        Info = securechat-bench test anchor
        Listen = 127.0.0.1
        Ports = \(plainPort)
        ServerUID = \(getuid())
        ServerGID = \(getgid())
        [Limits]
        MaxConnectionsIP = 0
        MaxNickLength = 30
        MaxPenaltyTime = 0
        [Options]
        DNS = no
        Ident = no
        PAM = no
        [SSL]
        CertFile = \(pki.serverCertificate)
        KeyFile = \(pki.serverKey)
        DHFile = \(pki.path("dh.pem"))
        Ports = \(port)

        """
    }

    private static func userName() -> String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }

    /// A loopback port that was free a moment ago (bound to port 0, then closed).
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocket.SocketError(what: "socket") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw RawSocket.SocketError(what: "bind") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
