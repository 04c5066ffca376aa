import Foundation

/// Trust on first use, like ssh: what to do with a certificate that did not verify against the system trust
/// store, given what known_hosts says about the server. Pure; the texts are what the user reads.
enum TrustOnFirstUse {
    /// What to do with the connection.
    enum Decision: Equatable {
        /// Known and unchanged: continue.
        case trust
        /// Unknown, and someone can be asked: show ``question(address:fingerprint:reason:)``.
        case ask
        /// Refuse, showing `message` (which may span several lines), and exit non-zero.
        case refuse(ClientError)
    }

    /// Decides for the server at `address` (host:port) presenting `fingerprint`, whose verification failed with
    /// `reason`, where `knownHostsPath` is the file the user would edit.
    static func decide(
        check: KnownHosts.Check,
        address: String,
        fingerprint: String,
        reason: String,
        knownHostsPath: String,
        canAsk: Bool
    ) -> Decision {
        switch check {
        case .match:
            return .trust
        case .mismatch(let expected):
            return .refuse(
                ClientError(
                    .fingerprintChanged,
                    detail: changedWarning(
                        address: address,
                        expected: expected,
                        received: fingerprint,
                        knownHostsPath: knownHostsPath
                    )
                )
            )
        case .unknown:
            if canAsk {
                return .ask
            }
            return .refuse(
                ClientError(
                    .untrustedServer,
                    detail: """
                        \(reason), and \(address) is not in \(knownHostsPath).
                        The server's certificate has SHA-256 fingerprint \(fingerprint).
                        Run the client interactively to check and accept it, or give the server's CA with --ca FILE.
                        """
                )
            )
        }
    }

    /// The question asked before remembering a new server.
    static func question(address: String, fingerprint: String, reason: String) -> String {
        """
        The authenticity of \(address) can't be established: \(reason).
        Its certificate's SHA-256 fingerprint is
            \(fingerprint)
        Check it with the server's operator (openssl x509 -noout -fingerprint -sha256 -in server.crt).
        Trust this certificate and remember it in known_hosts? [y/N] 
        """
    }

    /// Whether an answer to ``question(address:fingerprint:reason:)`` means yes.
    static func isYes(_ answer: String?) -> Bool {
        guard let answer = answer?.trimmingCharacters(in: .whitespaces).lowercased() else {
            return false
        }
        return answer == "y" || answer == "yes"
    }

    private static func changedWarning(
        address: String,
        expected: String,
        received: String,
        knownHostsPath: String
    ) -> String {
        """

        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
        @  WARNING: THE SERVER'S CERTIFICATE HAS CHANGED!         @
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
        Someone could be intercepting this connection (man-in-the-middle attack),
        or the server's certificate was replaced.
        Remembered fingerprint for \(address) (SHA-256): \(expected)
        Fingerprint presented now (SHA-256):          \(received)
        If the change is expected, remove the line for \(address) from \(knownHostsPath).
        Refusing to connect.
        """
    }
}
