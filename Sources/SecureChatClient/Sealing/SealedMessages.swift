import ChatCore
import Foundation
import SecureChatSealing

/// The client's side of sealed messages (docs/SEALED.md): seals what the user types with `/seal` to a certificate the
/// server hands over but this client checks itself, opens what arrives, and remembers each user's key
/// (``KnownUsers``), flagging a changed one until the user accepts it.
final class SealedMessages: SealedOpening {
    private let identity: SealingIdentity
    private let name: String
    private let trust: UserTrust
    private let knownUsersPath: String
    private var knownUsers: KnownUsers
    /// Keys seen in this run that differ from the remembered ones, by lower-cased name: what `/accept` accepts.
    /// Only keys of certificates that check out against the user's CA are offered.
    private var changedKeys: [String: String] = [:]
    /// The sealed messages delivered to this user in this run (hashes of their bytes): the same bytes again are a
    /// replay.
    private var delivered: Set<Int> = []

    private init(identity: SealingIdentity, name: String, trust: UserTrust, knownUsersPath: String) throws {
        self.identity = identity
        self.name = name
        self.trust = trust
        self.knownUsersPath = knownUsersPath
        self.knownUsers = KnownUsers(contents: try PinFile.read(knownUsersPath, failure: .knownUsersFile))
    }

    /// What the client can do with sealed messages under `configuration`: seal and open them, or nothing, and why.
    static func make(for configuration: ClientConfiguration) -> Result<SealedMessages, SealingUnavailable> {
        guard let certificate = configuration.clientCertificate else {
            return .failure(
                SealingUnavailable(
                    "sealed messages need a client certificate (--cert and --key): they are signed with it; "
                        + "guests and password users cannot seal or open them"
                )
            )
        }
        guard let caPath = configuration.sealing.caPath else {
            return .failure(
                SealingUnavailable(
                    "sealed messages need the CA that issues users' certificates (--user-ca, or --ca), to check "
                        + "them with"
                )
            )
        }
        do {
            let identity = try SealingIdentity(certificateFile: certificate.chainPath, keyFile: certificate.keyPath)
            if let problem = identity.certificate.sealingProblem {
                return .failure(
                    SealingUnavailable(
                        "your certificate cannot seal messages: \(problem); ask for a new one (make revoke, then "
                            + "make client-cert)"
                    )
                )
            }
            guard let name = identity.name else {
                return .failure(SealingUnavailable("your certificate has no single name (CN)"))
            }
            let trust = try UserTrust(caFile: caPath, crlFile: configuration.sealing.crlPath)
            return .success(
                try SealedMessages(
                    identity: identity,
                    name: name,
                    trust: trust,
                    knownUsersPath: configuration.sealing.knownUsersPath
                )
            )
        } catch let error as SealingError {
            return .failure(SealingUnavailable("sealed messages are off: \(error.message)"))
        } catch {
            return .failure(SealingUnavailable("sealed messages are off: \(error)"))
        }
    }

    // MARK: Sealing

    /// The `seal` line for `text` to `recipient`, whose certificate the server sent as `certificate` (base64 DER),
    /// or why nothing is sent; with notes for the user either way.
    func seal(
        _ text: String,
        to recipient: String,
        certificate: String,
        now: Date = Date()
    ) -> (
        line: String?, notes: [String]
    ) {
        let refused = { (reason: String) in (String?.none, ["not sent: " + reason]) }
        guard let der = Data(base64Encoded: certificate), let peer = try? UserCertificate(der: [UInt8](der)) else {
            return refused("the server sent a certificate for \(recipient) that cannot be read")
        }
        guard let cn = peer.commonName, cn == recipient else {
            return refused(
                "the certificate the server sent for \(recipient) is made out to \(peer.commonName ?? "nobody")"
            )
        }
        if let problem = trust.problem(with: peer, at: now, for: .sealing) {
            return refused("\(cn)'s certificate does not check out against your CA: \(problem)")
        }
        if let problem = peer.sealingProblem {
            return refused("\(cn)'s certificate cannot receive sealed messages: \(problem); \(cn) needs a new one")
        }
        var notes: [String] = []
        let fingerprint = peer.keyFingerprint
        switch knownUsers.check(cn, fingerprint: fingerprint) {
        case .match:
            break
        case .unknown:
            notes.append(remember(cn, fingerprint))
        case .mismatch(let known):
            changedKeys[cn.lowercased()] = fingerprint
            return refused(
                "\(cn)'s certificate has a NEW KEY (\(Self.short(fingerprint)); you knew \(Self.short(known))). "
                    + "If \(cn) really has a new certificate, type /accept \(cn), then seal again"
            )
        }
        do {
            let content = SealedContent(from: name, to: cn, date: now, text: text)
            let sealed = try Sealer.seal(content, by: identity, to: [peer, identity.certificate])
            let line = "seal \(cn) \(Data(sealed).base64EncodedString())"
            guard line.utf8.count <= ProtocolLimits.maximumSealedLineBytes else {
                return (nil, notes + ["not sent: sealed, the message is over the limit of a sealed line; shorten it"])
            }
            return (line, notes)
        } catch {
            return (nil, notes + ["not sent: \(error.message)"])
        }
    }

    /// `/keys [<name>]`: this user's key, then the one remembered for `name` (or every one), as SHA-256 of the public
    /// key in full, the form docs/SEALED.md shows how to compute from a certificate.
    func keys(of user: String?) -> [String] {
        var lines = ["your key (\(name)): SHA-256 \(identity.certificate.keyFingerprint)"]
        let known = knownUsers.entries.filter { user == nil || $0.name == user?.lowercased() }
        if known.isEmpty {
            lines.append(user.map { "no key remembered for \($0) yet" } ?? "no keys remembered yet")
        }
        lines += known.map { "\($0.name): SHA-256 \($0.fingerprint)" }
        return lines
    }

    /// `/accept <name>`: remembers the changed key seen for `name` in this run.
    func accept(_ user: String) -> String {
        guard let fingerprint = changedKeys.removeValue(forKey: user.lowercased()) else {
            return "no new key of \(user) to accept: none was seen since this client started"
        }
        return remember(user, fingerprint).replacingOccurrences(of: "is new to you", with: "is accepted")
    }

    private func remember(_ user: String, _ fingerprint: String) -> String {
        // A name is one word of the username alphabet: nothing else may reach the file, where it would be a line.
        guard (try? Username.validate(user).get()) != nil else {
            return "\(user)'s key is not remembered: that is not a username"
        }
        knownUsers.remember(user, fingerprint: fingerprint)
        do {
            try PinFile.write(knownUsers.contents, to: knownUsersPath, failure: .knownUsersFile)
            return "\(user)'s key \(Self.short(fingerprint)) is new to you: remembered in \(knownUsersPath)"
        } catch {
            return "\(user)'s key \(Self.short(fingerprint)) is new to you, but \(error.detail)"
        }
    }

    // MARK: Opening

    func open(_ sealed: String, from sender: String, to recipient: String?, receivedAt: Date?) -> SealedView {
        guard let der = Data(base64Encoded: sealed) else {
            return SealedView(text: nil, warnings: ["it is not base64"])
        }
        let opened: OpenedMessage
        do {
            opened = try Opener.open(
                [UInt8](der),
                with: identity,
                trust: trust,
                envelope: .init(from: sender, to: recipient ?? name, receivedAt: receivedAt ?? Date())
            )
        } catch {
            return SealedView(text: nil, warnings: [error.message])
        }
        var view = SealedView(text: opened.content.text, warnings: opened.problems)
        if recipient == nil, !delivered.insert(Self.hash(der)).inserted {
            view.warnings.append("this very message was delivered before: the server is showing it again")
        }
        let signer = opened.signer.commonName ?? sender
        let fingerprint = opened.signer.keyFingerprint
        guard fingerprint != identity.certificate.keyFingerprint else { return view }
        switch knownUsers.check(signer, fingerprint: fingerprint) {
        case .match:
            break
        case .unknown where opened.isVerified:
            view.notes.append(remember(signer, fingerprint))
        case .unknown:
            break  // a key that does not verify is not remembered
        case .mismatch(let known) where opened.isVerified:
            changedKeys[signer.lowercased()] = fingerprint
            view.warnings.append(
                "\(signer)'s key CHANGED (\(Self.short(fingerprint)); you knew \(Self.short(known))): if \(signer) "
                    + "really has a new certificate, type /accept \(signer)"
            )
        case .mismatch:
            view.warnings.append("it is not signed with the key you know for \(signer)")
        }
        return view
    }

    /// A hash of every byte (`Data`'s own hash reads only its first 80).
    private static func hash(_ bytes: Data) -> Int {
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }

    private static func short(_ fingerprint: String) -> String {
        "SHA-256 " + fingerprint.prefix(16) + "…"
    }
}

/// Why this client cannot seal or open messages, in words for the user.
struct SealingUnavailable: Error, Equatable, Sendable {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
