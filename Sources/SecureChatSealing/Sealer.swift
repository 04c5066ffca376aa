internal import COpenSSL

/// Seals messages: signs the content with the sender's key (CMS SignedData, the sender's certificate included), then
/// encrypts the signed message to each recipient (CMS AuthEnvelopedData, AES-256-GCM, the key agreed by ECDH with an
/// ephemeral key and derived with SHA-256 for each recipient). The same as
///
///     openssl cms -sign -binary -nodetach -signer alice.crt -inkey alice.key -outform DER |
///     openssl cms -encrypt -binary -aes-256-gcm -recip bob.crt -keyopt ecdh_kdf_md:sha256 \
///         -recip alice.crt -keyopt ecdh_kdf_md:sha256 -outform DER
public enum Sealer {
    /// `content` signed by `identity` and encrypted to `recipients` (the sender includes their own certificate to
    /// read it back in their history). The certificates must have been checked (``UserTrust``,
    /// ``UserCertificate/sealingProblem``): this only seals.
    public static func seal(
        _ content: SealedContent,
        by identity: SealingIdentity,
        to recipients: [UserCertificate]
    ) throws(SealingError) -> [UInt8] {
        let signed = try sign(content.encoded, by: identity)
        return try encrypt(signed, to: recipients)
    }

    static func sign(_ bytes: [UInt8], by identity: SealingIdentity) throws(SealingError) -> [UInt8] {
        OpenSSLErrorQueueReasons.clear()
        let input = try MemoryBIO(bytes)
        // CMS_BINARY: the bytes as they are, no MIME canonicalisation; no S/MIME capabilities (unused, 80 bytes).
        guard
            let cms = CMS_sign(
                identity.certificate.x509,
                identity.key.key,
                nil,
                input.bio,
                UInt32(CMS_BINARY | CMS_NOSMIMECAP)
            )
        else { throw .openSSL("could not sign the message") }
        return try CMSMessage(takingOwnership: cms).der()
    }

    static func encrypt(_ bytes: [UInt8], to recipients: [UserCertificate]) throws(SealingError) -> [UInt8] {
        OpenSSLErrorQueueReasons.clear()
        guard let cms = CMS_encrypt(nil, nil, EVP_aes_256_gcm(), UInt32(CMS_BINARY | CMS_PARTIAL)) else {
            throw .openSSL("could not start an encrypted message")
        }
        let message = CMSMessage(takingOwnership: cms)
        for recipient in recipients {
            guard let info = CMS_add1_recipient_cert(cms, recipient.x509, UInt32(CMS_KEY_PARAM)) else {
                throw .openSSL("could not add a recipient")
            }
            // ECDH's key derivation defaults to SHA-1 in OpenSSL 3.0; SHA-256 is what docs/SEALED.md promises.
            guard let context = CMS_RecipientInfo_get0_pkey_ctx(info),
                EVP_PKEY_CTX_ctrl_str(context, "ecdh_kdf_md", "sha256") > 0
            else { throw .openSSL("could not choose SHA-256 for the key derivation") }
        }
        let input = try MemoryBIO(bytes)
        guard CMS_final(cms, input.bio, nil, UInt32(CMS_BINARY)) == 1 else {
            throw .openSSL("could not encrypt the message")
        }
        return try message.der()
    }
}
