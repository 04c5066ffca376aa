/// A TLS protocol version this layer can negotiate. Older versions are never enabled.
public enum TLSVersion: String, Sendable, CaseIterable, Comparable {
    /// TLS 1.2 (RFC 5246), with ECDHE and AEAD cipher suites only.
    case tls12 = "TLSv1.2"
    /// TLS 1.3 (RFC 8446).
    case tls13 = "TLSv1.3"

    /// Orders versions from oldest to newest.
    public static func < (lhs: TLSVersion, rhs: TLSVersion) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .tls12: 12
        case .tls13: 13
        }
    }
}
