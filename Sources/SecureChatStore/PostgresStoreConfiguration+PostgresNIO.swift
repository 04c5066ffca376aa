import ChatCore
internal import PostgresNIO

/// The configuration in PostgresNIO's terms: one for the first, plain connection (which tells why it failed) and one
/// for the pool.
///
/// TLS to PostgreSQL is PostgresNIO's (swift-nio-ssl): the chat's own TLS stays on the system OpenSSL, this is only
/// the database client's.
extension PostgresStoreConfiguration {
    func connectionConfiguration() throws(StoreError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: Self.socketPath(socketDirectory, port: port),
                username: user,
                password: password,
                database: database
            )
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch tlsMode {
                case .disable: tls = .disable
                case .prefer: tls = .prefer(try NIOSSLContext(configuration: tlsConfiguration()))
                case .require, .verifyCA, .verifyFull:
                    tls = .require(try NIOSSLContext(configuration: tlsConfiguration()))
                }
            } catch {
                throw StoreError.cannotOpen(path: redacted, reason: "cannot use the CA file \(caFile ?? "-"): \(error)")
            }
            configuration = .init(
                host: host ?? "localhost",
                port: port,
                username: user,
                password: password,
                database: database,
                tls: tls
            )
        }
        configuration.options.additionalStartupParameters = [("application_name", "securechat-server")]
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout))
        return configuration
    }

    func clientConfiguration() throws(StoreError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: Self.socketPath(socketDirectory, port: port),
                username: user,
                password: password,
                database: database
            )
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch tlsMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(tlsConfiguration())
            case .require, .verifyCA, .verifyFull: tls = .require(tlsConfiguration())
            }
            configuration = .init(
                host: host ?? "localhost",
                port: port,
                username: user,
                password: password,
                database: database,
                tls: tls
            )
        }
        configuration.options.additionalStartupParameters = [("application_name", "securechat-server")]
        configuration.options.connectTimeout = .seconds(Int64(min(connectTimeout, 5)))
        // A connection PostgreSQL dropped is noticed when a statement fails on it; the keep-alive finds the silent
        // ones (a host that went away without a reset).
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        return configuration
    }

    /// libpq's meanings: `prefer` and `require` encrypt without checking the certificate; `verify-ca` checks the
    /// chain against the CA file; `verify-full` also the host name.
    private func tlsConfiguration() -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let caFile { tls.trustRoots = .file(caFile) }
        return tls
    }

    /// PostgreSQL's socket in `directory`, named after the port as libpq names it.
    private static func socketPath(_ directory: String, port: Int) -> String {
        directory.hasSuffix("/") ? "\(directory).s.PGSQL.\(port)" : "\(directory)/.s.PGSQL.\(port)"
    }
}
