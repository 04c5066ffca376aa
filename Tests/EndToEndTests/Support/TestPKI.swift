import Foundation

/// Certificates made at test time with the `openssl` CLI in a temporary directory; nothing secret is committed.
/// The directory (and any database a test put there) is removed when the last reference goes.
final class TestPKI: Sendable {
    let directory: URL

    private init(directory: URL) {
        self.directory = directory
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    var caCertificate: String { path("ca.crt") }
    var serverCertificate: String { path("server.crt") }
    var serverKey: String { path("server.key") }
    var crl: String { path("ca.crl") }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The CA and server certificate every test starts from, made once per test process. Making them runs
    /// `openssl` five times, each waited for on one of the test process's few threads: once per test, that kept a
    /// loaded CI machine's whole test run waiting for a minute at its start.
    private static let template = Result { try makeWithOwnAuthority() }

    /// A CA and a server certificate for localhost / 127.0.0.1 in a directory of this test's own: copies of one set
    /// shared by the tests of this process (which never talk to each other's servers), with the CA's database for
    /// `client`, `revoke` and the CRL of its own.
    static func make() throws -> TestPKI {
        let template = try Self.template.get()
        let pki = TestPKI(directory: try newDirectory())
        for name in ["ca.key", "ca.crt", "server.key", "server.crt", "ca.crl"] {
            try FileManager.default.copyItem(atPath: template.path(name), toPath: pki.path(name))
        }
        try pki.writeCRLConfig()
        return pki
    }

    private static func newDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("securechat-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A CA of its own (and a server certificate from it), for a test that needs one the others do not trust.
    static func makeWithOwnAuthority() throws -> TestPKI {
        let pki = TestPKI(directory: try newDirectory())
        try pki.run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pki.path("ca.key")])
        try pki.run([
            "req", "-x509", "-new", "-key", pki.path("ca.key"), "-subj", "/CN=Test CA", "-days", "30",
            "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-out", pki.caCertificate,
        ])
        try pki.issue(
            name: "server",
            subject: "/CN=localhost",
            extensions: [
                "subjectAltName=DNS:localhost,IP:127.0.0.1", "extendedKeyUsage=serverAuth",
            ]
        )
        try pki.writeCRLConfig()
        try pki.run(["ca", "-config", pki.path("ca.cnf"), "-gencrl", "-out", pki.crl])
        return pki
    }

    /// Replaces the server certificate and key with a new pair whose subject is `subject`.
    func reissueServer(subject: String) throws {
        try issue(
            name: "server",
            subject: subject,
            extensions: [
                "subjectAltName=DNS:localhost,IP:127.0.0.1", "extendedKeyUsage=serverAuth",
            ]
        )
    }

    /// Issues a client certificate with CN `name` (a new key each time), fit for sealed messages as `make
    /// client-cert` issues them; returns (certificate, key) paths.
    @discardableResult
    func client(_ name: String, subject: String? = nil) throws -> (cert: String, key: String) {
        try issue(
            name: "client-\(name)",
            subject: subject ?? "/CN=\(name)",
            extensions: [
                "keyUsage=critical,digitalSignature,keyAgreement", "extendedKeyUsage=clientAuth,emailProtection",
            ]
        )
        return (path("client-\(name).crt"), path("client-\(name).key"))
    }

    /// Issues a client certificate for `name` that expires `seconds` from now.
    func shortLivedClient(_ name: String, seconds: Int) throws -> (cert: String, key: String) {
        let key = path("client-\(name).key")
        let csr = path("client-\(name).csr")
        let cert = path("client-\(name).crt")
        try run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        try run(["req", "-new", "-key", key, "-subj", "/CN=\(name)", "-out", csr])
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let start = formatter.string(from: Date().addingTimeInterval(-3600))
        let end = formatter.string(from: Date().addingTimeInterval(Double(seconds)))
        try run([
            "ca", "-batch", "-config", path("ca.cnf"), "-in", csr, "-out", cert, "-startdate", start, "-enddate", end,
            "-notext",
        ])
        return (cert, key)
    }

    /// Revokes the client certificate of `name` and regenerates the CRL.
    func revoke(_ name: String) throws {
        try run(["ca", "-config", path("ca.cnf"), "-revoke", path("client-\(name).crt")])
        try run(["ca", "-config", path("ca.cnf"), "-gencrl", "-out", crl])
    }

    /// A new key and a certificate for it signed by the CA, in one `openssl` run (`req -x509 -CA`, OpenSSL 3.0): with
    /// a configuration of its own that adds no extensions but `extensions` (the system's would make it a CA).
    private func issue(name: String, subject: String, extensions: [String]) throws {
        let configuration = path("req.cnf")
        if !FileManager.default.fileExists(atPath: configuration) {
            try "[req]\ndistinguished_name = dn\n[dn]\n".write(toFile: configuration, atomically: true, encoding: .utf8)
        }
        try run(
            [
                "req", "-x509", "-config", configuration, "-CA", caCertificate, "-CAkey", path("ca.key"), "-newkey",
                "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("\(name).key"), "-out",
                path("\(name).crt"), "-subj", subject, "-days", "30",
            ] + extensions.flatMap { ["-addext", $0] }
        )
    }

    private func writeCRLConfig() throws {
        try "".write(toFile: path("index.txt"), atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: path("crlnumber"), atomically: true, encoding: .utf8)
        try "5000\n".write(toFile: path("serial"), atomically: true, encoding: .utf8)
        let config = """
            [ ca ]
            default_ca = test
            [ test ]
            database = \(path("index.txt"))
            crlnumber = \(path("crlnumber"))
            certificate = \(caCertificate)
            private_key = \(path("ca.key"))
            default_md = sha256
            default_crl_days = 30
            new_certs_dir = \(directory.path)
            serial = \(path("serial"))
            policy = any
            unique_subject = no
            copy_extensions = copy
            [ any ]
            commonName = supplied
            """
        try config.write(toFile: path("ca.cnf"), atomically: true, encoding: .utf8)
    }

    /// Runs `script` with bash in this directory, feeding it `input`; returns its stdout (for `openssl cms` by hand).
    func shell(_ script: String, input: String = "") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -euo pipefail\n" + script]
        process.currentDirectoryURL = directory
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PKIError(message: "bash: \(script) failed") }
        return String(decoding: output, as: UTF8.self)
    }

    func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PKIError(message: "openssl \(arguments.first ?? ""): \(String(decoding: message, as: UTF8.self))")
        }
    }

    struct PKIError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
