/// Why the client stopped: every failure the user sees, as a kind plus words. Compared by kind.
struct ClientError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: String, Hashable, Sendable {
        case connectionFailed = "cannot connect"
        case handshakeFailed = "TLS handshake failed"
        case untrustedServer = "server not trusted"
        case fingerprintChanged = "server certificate changed"
        case knownHostsFile = "known_hosts file problem"
        case knownUsersFile = "known_users file problem"
        case terminal = "terminal problem"
        case loginFailed = "login failed"
        case connectionLost = "connection lost"
        case configuration = "invalid configuration"
    }

    let code: Code
    /// The explanation for this occurrence, in words.
    let detail: String
    /// For `.handshakeFailed`: the classified reason, which decides whether trust on first use may take over.
    let handshakeFailure: HandshakeFailureDescription?

    init(_ code: Code, detail: String, handshakeFailure: HandshakeFailureDescription? = nil) {
        self.code = code
        self.detail = detail
        self.handshakeFailure = handshakeFailure
    }

    var description: String {
        detail.isEmpty ? code.rawValue : code.rawValue + ": " + detail
    }

    static func == (lhs: ClientError, rhs: ClientError) -> Bool {
        lhs.code == rhs.code
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}
