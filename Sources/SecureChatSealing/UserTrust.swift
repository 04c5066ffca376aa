internal import COpenSSL
public import Foundation
import Synchronization

/// The CA that issues users' certificates, and its CRL if there is one: what the client checks a certificate against
/// itself before it seals to it or believes a signature made with it, instead of trusting the server. Owns its
/// `X509_STORE*`.
public final class UserTrust: Sendable {
    private let store: Mutex<StoreBox>

    /// Trusts the certificates in the PEM file `caFile`; with `crlFile`, every certificate is also checked against
    /// that CRL (a revoked one fails, and so does every one once the CRL is out of date).
    public init(caFile: String, crlFile: String? = nil) throws(SealingError) {
        OpenSSLErrorQueueReasons.clear()
        guard let store = X509_STORE_new() else { throw .openSSL("could not allocate a certificate store") }
        let box = StoreBox(store, checksRevocation: crlFile != nil)
        guard X509_STORE_load_file(store, caFile) == 1 else { throw .openSSL("cannot load the CA file \(caFile)") }
        if let crlFile {
            guard let bio = BIO_new_file(crlFile, "r") else { throw .openSSL("cannot read the CRL \(crlFile)") }
            defer { BIO_free(bio) }
            guard let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) else { throw .openSSL("no CRL in \(crlFile)") }
            defer { X509_CRL_free(crl) }
            guard X509_STORE_add_crl(store, crl) == 1 else { throw .openSSL("cannot use the CRL \(crlFile)") }
            X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK))
        }
        self.store = Mutex(box)
    }

    /// What a certificate is checked for.
    public enum Use: Sendable {
        /// Signing a sealed message (S/MIME signing, as `openssl cms -verify` checks it).
        case signing
        /// Receiving sealed messages (its key usages are checked by ``UserCertificate/sealingProblem``).
        case sealing
    }

    /// Why `certificate` does not verify as of `date` (OpenSSL's words: "certificate has expired", "certificate
    /// revoked", "unable to get local issuer certificate"), or nil when it does. The chain and validity are checked
    /// as of `date`; revocation as of now, against the CRL there is now (a CRL says nothing of times before it was
    /// issued, and a certificate revoked later may have been revoked because its key was lost).
    public func problem(with certificate: UserCertificate, at date: Date, for use: Use) -> String? {
        store.withLock { box -> String? in
            if let problem = Self.verify(certificate, in: box.store, at: date, for: use, revocation: false) {
                return problem
            }
            guard box.checksRevocation else { return nil }
            return Self.verify(certificate, in: box.store, at: Date(), for: use, revocation: true)
        }
    }

    private static func verify(
        _ certificate: UserCertificate,
        in store: OpaquePointer,
        at date: Date,
        for use: Use,
        revocation: Bool
    ) -> String? {
        OpenSSLErrorQueueReasons.clear()
        guard let context = X509_STORE_CTX_new() else { return "could not allocate a verification context" }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, certificate.x509, nil) == 1 else {
            return "could not set up verification: \(OpenSSLErrorQueueReasons.drain())"
        }
        if let parameters = X509_STORE_CTX_get0_param(context) {
            X509_VERIFY_PARAM_set_time(parameters, time_t(date.timeIntervalSince1970))
            if !revocation { X509_VERIFY_PARAM_clear_flags(parameters, UInt(X509_V_FLAG_CRL_CHECK)) }
        }
        if use == .signing { X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SMIME_SIGN) }
        if revocation {
            // This pass is about revocation (and a CRL that is current): that the certificate has expired since
            // the message arrived is not held against it.
            X509_STORE_CTX_set_verify_cb(context) { ok, context in
                ok == 0 && X509_STORE_CTX_get_error(context) == X509_V_ERR_CERT_HAS_EXPIRED ? 1 : ok
            }
        }
        guard X509_verify_cert(context) != 1 else { return nil }
        let code = X509_STORE_CTX_get_error(context)
        return X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "verify error \(code)"
    }
}

/// The store, owned here and freed with it; used only under ``UserTrust``'s lock.
private final class StoreBox: @unchecked Sendable {
    let store: OpaquePointer
    let checksRevocation: Bool

    init(_ store: OpaquePointer, checksRevocation: Bool) {
        self.store = store
        self.checksRevocation = checksRevocation
    }

    deinit {
        X509_STORE_free(store)
    }
}
