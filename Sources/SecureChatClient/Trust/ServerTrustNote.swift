/// Why the client trusts the server it is connected to, for the status line after the handshake.
enum ServerTrustNote: Sendable, Equatable {
    /// The chain verified against the `--ca` file.
    case verifiedByCertificateAuthority(path: String)
    /// The chain verified against the system trust store.
    case verifiedBySystemTrustStore
    /// The certificate's fingerprint matches the known_hosts entry.
    case knownHost
    /// The user accepted the certificate just now (it was added to known_hosts).
    case acceptedOnFirstUse
    /// `--insecure`: not verified at all.
    case notVerified

    /// The note in words.
    var words: String {
        switch self {
        case .verifiedByCertificateAuthority(let path): "verified by the CA in \(path)"
        case .verifiedBySystemTrustStore: "verified by the system trust store"
        case .knownHost: "matches known_hosts"
        case .acceptedOnFirstUse: "accepted on first use"
        case .notVerified: "NOT VERIFIED (--insecure)"
        }
    }
}
