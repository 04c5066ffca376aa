internal import COpenSSL
public import Foundation

/// Opens sealed messages (``Sealer`` makes them, and so do `openssl cms -sign | openssl cms -encrypt`): decrypts with
/// the user's key, checks the signature, then checks the signer against the user's own trust and what the server
/// says of the message.
public enum Opener {
    /// How far the signed time may be from the time the server says it received the message, in seconds: more
    /// means a message kept back and sent again (a replay), or a sender's clock far off.
    public static let allowedClockSkew: TimeInterval = 600

    /// What the server says of a sealed message, which the signed content must agree with.
    public struct Envelope: Sendable {
        /// The sender the server names.
        public var from: String
        /// The recipient the server names (the user, but for their own messages in `history`).
        public var to: String
        /// When the server received it: now for a live message, the time of an `INBOX` or `HISTORY` line.
        public var receivedAt: Date

        /// An envelope with every field given.
        public init(from: String, to: String, receivedAt: Date) {
            self.from = from
            self.to = to
            self.receivedAt = receivedAt
        }
    }

    /// Opens `sealed` (DER) with `identity`'s key. Throws when it cannot be read at all (not sealed to this user,
    /// changed on the way, a signature that does not match); returns it with its problems otherwise.
    public static func open(
        _ sealed: [UInt8],
        with identity: SealingIdentity,
        trust: UserTrust,
        envelope: Envelope
    ) throws(SealingError) -> OpenedMessage {
        let signedDER = try decrypt(sealed, with: identity)
        let (bytes, signer) = try verifySignature(signedDER)
        guard let content = SealedContent(parsing: bytes) else {
            throw SealingError("its signed content lacks the From, To and Date lines of a sealed message")
        }
        var problems: [String] = []
        let signerName = signer.commonName ?? ""
        if signerName.isEmpty { problems.append("the signer's certificate has no single name (CN)") }
        // Exact spellings: a certificate identity belongs to its CN's exact spelling (docs/PROTOCOL.md), and the
        // server names users as they spell themselves.
        if signerName != envelope.from {
            problems.append("it is signed by \(signerName), but the server says it is from \(envelope.from)")
        }
        if content.from != signerName {
            problems.append("it says it is from \(content.from), but it is signed by \(signerName)")
        }
        if content.to != envelope.to {
            problems.append("it was sealed to \(content.to), not to \(envelope.to): passed on by someone else")
        }
        if let problem = trust.problem(with: signer, at: envelope.receivedAt, for: .signing) {
            problems.append("the signer's certificate: \(problem)")
        }
        if envelope.receivedAt.timeIntervalSinceNow > allowedClockSkew {
            problems.append("the server dates it \(SealedContent.timestamp(envelope.receivedAt)), in the future")
        }
        let skew = content.date.timeIntervalSince(envelope.receivedAt)
        if abs(skew) > allowedClockSkew {
            let minutes = Int((abs(skew) / 60).rounded())
            let when = skew < 0 ? "before" : "after"
            problems.append(
                "it was signed at \(SealedContent.timestamp(content.date)), \(minutes) minutes \(when) the server got it"
            )
        }
        return OpenedMessage(content: content, signer: signer, problems: problems)
    }

    /// The SignedData inside an AuthEnvelopedData sealed to `identity`.
    static func decrypt(_ sealed: [UInt8], with identity: SealingIdentity) throws(SealingError) -> [UInt8] {
        let envelope = try CMSMessage(der: sealed)
        guard envelope.typeNID == NID_id_smime_ct_authEnvelopedData else {
            throw SealingError("it is not sealed with authenticated encryption (CMS AuthEnvelopedData)")
        }
        // OpenSSL checks as many bytes of the GCM tag as the message carries, down to one.
        guard let tag = AuthEnvelopedDataMAC.length(in: sealed), tag == 16 else {
            throw SealingError("its authentication tag is not the 16 bytes of AES-GCM")
        }
        OpenSSLErrorQueueReasons.clear()
        let output = try MemoryBIO()
        guard
            CMS_decrypt(envelope.cms, identity.key.key, identity.certificate.x509, nil, output.bio, UInt32(CMS_BINARY))
                == 1
        else {
            OpenSSLErrorQueueReasons.clear()
            throw SealingError(
                "it cannot be opened with your key: it was not sealed to you, or it was changed on the way"
            )
        }
        return output.drain()
    }

    /// The content of a SignedData whose one signature matches it, and the certificate that made the signature. The
    /// certificate itself is checked by the caller, against the user's trust.
    static func verifySignature(_ der: [UInt8]) throws(SealingError) -> ([UInt8], UserCertificate) {
        let signed = try CMSMessage(der: der)
        guard signed.typeNID == NID_pkcs7_signed else { throw SealingError("it holds no signed message") }
        OpenSSLErrorQueueReasons.clear()
        let output = try MemoryBIO()
        guard
            CMS_verify(signed.cms, nil, nil, nil, output.bio, UInt32(CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY)) == 1
        else {
            throw .openSSL("its signature does not match its content")
        }
        guard let signers = CMS_get0_signers(signed.cms) else { throw .openSSL("its signer is missing") }
        defer { shim_sk_X509_free(signers) }
        guard shim_sk_X509_num(signers) == 1, let certificate = shim_sk_X509_value(signers, 0) else {
            throw SealingError("it has \(shim_sk_X509_num(signers)) signatures; a sealed message has one")
        }
        X509_up_ref(certificate)
        return (output.drain(), UserCertificate(takingOwnership: certificate))
    }
}
