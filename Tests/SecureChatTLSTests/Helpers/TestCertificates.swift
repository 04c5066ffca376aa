import Foundation

/// Certificates made at test time with the `openssl` CLI in a temporary directory; nothing secret is committed.
///
/// One CA ("SecureChat Test CA") signs: an ECDSA P-256 server certificate and an RSA one, both for `localhost` and
/// 127.0.0.1; client certificates `good-client`, `expired-client` (valid in 2020 only) and `revoked-client`
/// (revoked in `crl`). A second, unrelated CA signs `other-ca-client`.
struct TestCertificates: Sendable {
    /// A certificate and its private key.
    struct Identity: Sendable {
        var certificate: String
        var key: String
    }

    /// The client certificates, by kind.
    enum Client: String, Sendable, CaseIterable {
        case good, expired, revoked, otherCA
    }

    let directory: URL
    let ca: String
    let otherCA: String
    let crl: String
    let server: Identity
    let rsaServer: Identity
    let goodClient: Identity
    let expiredClient: Identity
    let revokedClient: Identity
    let otherCAClient: Identity

    /// The certificate and key of one kind of client.
    func identity(of client: Client) -> Identity {
        switch client {
        case .good: goodClient
        case .expired: expiredClient
        case .revoked: revokedClient
        case .otherCA: otherCAClient
        }
    }

    /// The certificates for this test run, made on first use.
    static func shared() throws -> TestCertificates {
        try sharedCertificates.get()
    }

    /// The SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it (after the `=`).
    static func fingerprint(ofCertificate path: String) throws -> String {
        let output = try OpenSSLCommand.run(
            ["x509", "-in", path, "-noout", "-fingerprint", "-sha256"],
            in: URL(fileURLWithPath: "/")
        )
        return String(output.split(separator: "=", maxSplits: 1)[1]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    fileprivate init(generatingIn directory: URL) throws {
        self.directory = directory
        let maker = CertificateMaker(directory: directory)
        try maker.prepareCA()
        ca = maker.path("ca.pem")
        server = try maker.leaf("server", commonName: "localhost", keyType: .ecdsa, extensions: "server_ext")
        rsaServer = try maker.leaf("rsa-server", commonName: "localhost", keyType: .rsa, extensions: "server_ext")
        goodClient = try maker.leaf("good-client", commonName: "good-client", keyType: .ecdsa, extensions: "client_ext")
        expiredClient = try maker.leaf(
            "expired-client",
            commonName: "expired-client",
            keyType: .ecdsa,
            extensions: "client_ext",
            validity: ("20200101000000Z", "20210101000000Z")
        )
        revokedClient = try maker.leaf(
            "revoked-client",
            commonName: "revoked-client",
            keyType: .ecdsa,
            extensions: "client_ext"
        )
        crl = try maker.revokeAndMakeCRL(revokedClient.certificate)
        otherCA = maker.path("other-ca.pem")
        otherCAClient = try maker.otherCAClient()
    }
}

/// The shared fixture: a global `let` is initialised once, thread-safely, even with tests running in parallel.
private let sharedCertificates: Result<TestCertificates, any Error> = Result {
    atexit { try? FileManager.default.removeItem(at: certificateDirectory) }
    try FileManager.default.createDirectory(at: certificateDirectory, withIntermediateDirectories: true)
    return try TestCertificates(generatingIn: certificateDirectory)
}

private let certificateDirectory = FileManager.default.temporaryDirectory
    .appendingPathComponent("securechat-tls-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
