/// How the client decides to trust the server's certificate.
enum ServerTrustPolicy: Sendable, Equatable {
    /// `--ca FILE`: the chain must verify against this CA file and match the host name. Never trust on first use.
    case certificateAuthority(path: String)
    /// The default: verify against the system trust store; if the issuer is unknown (self-signed, private CA),
    /// fall back to trust on first use with the known_hosts file at `knownHostsPath`.
    case systemThenKnownHosts(knownHostsPath: String)
    /// `--insecure`: accept any certificate, with a warning.
    case insecure
}
