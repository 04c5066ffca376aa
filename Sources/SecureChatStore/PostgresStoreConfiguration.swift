public import ChatCore
import Foundation

/// Where a ``PostgresMessageStore`` finds its server, read from a libpq-style URL
/// (`postgres://user:password@host:port/database?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem`) and, for what the
/// URL leaves out, from the variables libpq reads (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`), so that a password need not be on a command line. Pure: the environment is passed in.
public struct PostgresStoreConfiguration: Sendable, Equatable {
    /// How TLS to the server is used, with libpq's meanings.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never.
        case disable
        /// If the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// Always, without checking the certificate (unless a CA is given: then as `verify-ca`).
        case require
        /// Always; the certificate must chain to the CA file.
        case verifyCA = "verify-ca"
        /// Always; the certificate must chain to the CA file and name the host.
        case verifyFull = "verify-full"
    }

    /// A host name or address; nil when ``socketDirectory`` is used instead.
    public var host: String?
    /// A directory holding PostgreSQL's Unix socket (`host=/var/run/postgresql`).
    public var socketDirectory: String?
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode
    /// PEM CA certificates that the server's certificate must chain to (`sslrootcert`).
    public var caFile: String?
    /// Seconds to wait for a connection (`connect_timeout`, or `PGCONNECT_TIMEOUT`).
    public var connectTimeout: Int
    /// How long one call may wait for PostgreSQL (for a connection from the pool, locks, the answer) before it
    /// fails with ``StoreError/storageFailed``: a database that stopped answering costs a command seconds, not the
    /// pool's minute.
    public var operationTimeout: Duration = .seconds(5)

    /// Whether `text` names a PostgreSQL server rather than an SQLite file: it starts with `postgres://` or
    /// `postgresql://` (any case).
    public static func isPostgresURL(_ text: String) -> Bool {
        let lowered = text.prefix(13).lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Reads `url`, falling back to `environment` and then to libpq's defaults (local socket or localhost, port
    /// 5432, the user `USER`, a database named as the user). Throws ``StoreError/cannotOpen`` with a one-line reason.
    public init(url: String, environment: [String: String]) throws(StoreError) {
        guard Self.isPostgresURL(url) else { throw Self.invalid(url, "not a postgres:// URL") }
        guard let components = URLComponents(string: url) else {
            throw Self.invalid(url, Self.hasBadPort(url) ? "the port is not a number" : "not a valid URL")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            query[item.name] = item.value ?? ""
        }
        for name in query.keys where !Self.knownParameters.contains(name) {
            throw Self.invalid(
                url,
                "unknown parameter '\(name)' (known: \(Self.knownParameters.sorted().joined(separator: ", ")))"
            )
        }
        func nonEmpty(_ value: String?) -> String? {
            guard let value, !value.isEmpty else { return nil }
            return value
        }

        let hostText =
            nonEmpty(query["host"]) ?? nonEmpty(components.percentEncodedHost?.removingPercentEncoding)
            ?? nonEmpty(environment["PGHOST"])
        if let hostText, hostText.hasPrefix("/") {
            self.socketDirectory = hostText
            self.host = nil
        } else {
            self.socketDirectory = nil
            self.host = hostText ?? "localhost"
        }

        if let port = components.port {
            self.port = port
        } else if let text = nonEmpty(query["port"]) ?? nonEmpty(environment["PGPORT"]) {
            guard let port = Int(text) else { throw Self.invalid(url, "the port '\(text)' is not a number") }
            self.port = port
        } else {
            self.port = 5432
        }
        guard (1...65535).contains(self.port) else {
            throw Self.invalid(url, "the port \(self.port) is not between 1 and 65535")
        }

        guard
            let user = nonEmpty(components.percentEncodedUser?.removingPercentEncoding) ?? nonEmpty(query["user"])
                ?? nonEmpty(environment["PGUSER"]) ?? nonEmpty(environment["USER"])
        else {
            throw Self.invalid(url, "no user (give one in the URL or PGUSER)")
        }
        self.user = user
        self.password =
            nonEmpty(components.percentEncodedPassword?.removingPercentEncoding) ?? nonEmpty(query["password"])
            ?? nonEmpty(environment["PGPASSWORD"])
        let path = components.percentEncodedPath.removingPercentEncoding ?? ""
        self.database =
            nonEmpty(String(path.drop { $0 == "/" })) ?? nonEmpty(query["dbname"]) ?? nonEmpty(
                environment["PGDATABASE"]
            )
            ?? user

        let modeText = nonEmpty(query["sslmode"]) ?? nonEmpty(environment["PGSSLMODE"]) ?? TLSMode.prefer.rawValue
        guard let mode = TLSMode(rawValue: modeText) else {
            let modes = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
            throw Self.invalid(url, "unknown sslmode '\(modeText)' (one of \(modes))")
        }
        self.caFile = nonEmpty(query["sslrootcert"]) ?? nonEmpty(environment["PGSSLROOTCERT"])
        let timeoutText = nonEmpty(query["connect_timeout"]) ?? nonEmpty(environment["PGCONNECT_TIMEOUT"]) ?? "10"
        guard let timeout = Int(timeoutText), timeout >= 1 else {
            throw Self.invalid(url, "connect_timeout '\(timeoutText)' is not a number of seconds of at least 1")
        }
        self.connectTimeout = timeout
        // libpq: `require` with a CA file verifies the chain, as `verify-ca` does.
        self.tlsMode = mode == .require && self.caFile != nil ? .verifyCA : mode
        if self.tlsMode == .verifyCA || self.tlsMode == .verifyFull, self.caFile == nil {
            throw Self.invalid(url, "sslmode=\(mode.rawValue) needs a CA file (sslrootcert=… or PGSSLROOTCERT)")
        }
        if self.socketDirectory != nil, self.tlsMode != .disable, self.tlsMode != .prefer {
            throw Self.invalid(url, "sslmode=\(mode.rawValue) over a Unix socket: TLS is for TCP connections")
        }
    }

    /// Where the server is, for messages: `host:port` or the socket directory.
    public var serverDescription: String {
        if let socketDirectory { return "\(socketDirectory) (Unix socket, port \(port))" }
        let host = self.host ?? "localhost"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The URL for logs and error messages: everything but the password.
    public var redacted: String {
        var text = "postgres://\(user)\(password == nil ? "" : ":***")@"
        if socketDirectory == nil { text += serverDescription }
        text += "/\(database)"
        var parameters: [String] = []
        if let socketDirectory { parameters.append("host=\(socketDirectory)") }
        if tlsMode != .prefer { parameters.append("sslmode=\(tlsMode.rawValue)") }
        if let caFile { parameters.append("sslrootcert=\(caFile)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }

    private static let knownParameters: Set<String> = [
        "host", "port", "user", "password", "dbname", "sslmode", "sslrootcert", "application_name",
        "connect_timeout",
    ]

    /// Whether the authority of a URL that did not parse has a port part (`host:abc`), the likeliest reason.
    private static func hasBadPort(_ url: String) -> Bool {
        guard let schemeEnd = url.range(of: "://") else { return false }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let hostPart = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        return hostPart.contains(":")
    }

    private static func invalid(_ url: String, _ reason: String) -> StoreError {
        StoreError.cannotOpen(path: redactedLoosely(url), reason: reason)
    }

    /// `url` with anything between `:` and `@` of its user part replaced, for an error about a URL that did not
    /// parse.
    static func redactedLoosely(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else {
            return url
        }
        let userPart = url[schemeEnd.upperBound..<at]
        guard let colon = userPart.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
