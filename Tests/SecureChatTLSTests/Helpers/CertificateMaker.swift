import Foundation

/// The `openssl` steps behind ``TestCertificates``: an `openssl ca` database, so certificates can be backdated
/// (`-startdate`/`-enddate`; OpenSSL 3.0's `x509` has no `-not_before`) and revoked into a CRL.
struct CertificateMaker {
    enum KeyType {
        case ecdsa
        case rsa
    }

    let directory: URL

    func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    func prepareCA() throws {
        try FileManager.default.createDirectory(atPath: path("newcerts"), withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: path("index.txt")))
        try Data("1000\n".utf8).write(to: URL(fileURLWithPath: path("serial")))
        try Data(Self.configuration(directory: directory.path).utf8).write(to: URL(fileURLWithPath: path("ca.cnf")))
        try makeKey("ca.key", type: .ecdsa)
        try run([
            "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=SecureChat Test CA", "-days", "30", "-out",
            "ca.pem",
        ])
        try makeKey("other-ca.key", type: .ecdsa)
        try run([
            "req", "-x509", "-new", "-key", "other-ca.key", "-subj", "/CN=Unrelated Test CA", "-days", "30", "-out",
            "other-ca.pem",
        ])
    }

    /// A key and a certificate signed by the test CA with the extensions section `extensions` of ca.cnf.
    func leaf(
        _ name: String,
        commonName: String,
        keyType: KeyType,
        extensions: String,
        validity: (start: String, end: String)? = nil
    ) throws -> TestCertificates.Identity {
        try makeKey("\(name).key", type: keyType)
        try run(["req", "-new", "-key", "\(name).key", "-subj", "/CN=\(commonName)", "-out", "\(name).csr"])
        var arguments = [
            "ca", "-batch", "-notext", "-config", "ca.cnf", "-extensions", extensions,
            "-in", "\(name).csr", "-out", "\(name).pem",
        ]
        if let validity {
            arguments += ["-startdate", validity.start, "-enddate", validity.end]
        }
        try run(arguments)
        return TestCertificates.Identity(certificate: path("\(name).pem"), key: path("\(name).key"))
    }

    /// Revokes `certificate` in the CA database and writes the CA's CRL.
    func revokeAndMakeCRL(_ certificate: String) throws -> String {
        try run(["ca", "-batch", "-config", "ca.cnf", "-revoke", certificate])
        try run(["ca", "-batch", "-config", "ca.cnf", "-gencrl", "-out", "crl.pem"])
        return path("crl.pem")
    }

    /// A client certificate signed by the unrelated CA.
    func otherCAClient() throws -> TestCertificates.Identity {
        try makeKey("other-ca-client.key", type: .ecdsa)
        try run([
            "req", "-new", "-key", "other-ca-client.key", "-subj", "/CN=other-ca-client", "-out", "other-ca-client.csr",
        ])
        try run([
            "x509", "-req", "-in", "other-ca-client.csr", "-CA", "other-ca.pem", "-CAkey", "other-ca.key",
            "-set_serial", "4096", "-days", "30", "-extfile", "ca.cnf", "-extensions", "client_ext",
            "-out", "other-ca-client.pem",
        ])
        return TestCertificates.Identity(certificate: path("other-ca-client.pem"), key: path("other-ca-client.key"))
    }

    private func makeKey(_ name: String, type: KeyType) throws {
        switch type {
        case .ecdsa:
            try run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name])
        case .rsa:
            try run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name])
        }
    }

    private func run(_ arguments: [String]) throws {
        try OpenSSLCommand.run(arguments, in: directory)
    }

    private static func configuration(directory: String) -> String {
        """
        [ ca ]
        default_ca = test_ca

        [ test_ca ]
        dir = \(directory)
        database = $dir/index.txt
        new_certs_dir = $dir/newcerts
        serial = $dir/serial
        certificate = $dir/ca.pem
        private_key = $dir/ca.key
        default_md = sha256
        default_days = 30
        default_crl_days = 30
        policy = policy_any
        unique_subject = no
        copy_extensions = none

        [ policy_any ]
        commonName = supplied

        [ server_ext ]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature, keyEncipherment
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:localhost, IP:127.0.0.1

        [ client_ext ]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = clientAuth
        """
    }
}
