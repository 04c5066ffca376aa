internal import COpenSSL
import Foundation

extension TLSContext {
    /// Loads our certificate chain and key, the trust roots and the CRL named in `configuration`.
    static func loadFiles(into sslContext: OpaquePointer, configuration: TLSConfiguration) throws {
        if let certificatePath = configuration.certificateChainPath,
            let keyPath = configuration.privateKeyPath
        {
            try loadIdentity(into: sslContext, certificatePath: certificatePath, keyPath: keyPath)
        }
        if let trustRootsPath = configuration.trustRootsPath {
            try loadTrustRoots(into: sslContext, path: trustRootsPath, role: configuration.role)
        } else {
            OpenSSLErrorQueue.clear()
            if SSL_CTX_set_default_verify_paths(sslContext) != 1 {
                throw TLSError.drainingErrorQueue(.invalidConfiguration, context: "cannot load the system trust store")
            }
        }
        if let crlPath = configuration.crlPath {
            try loadCRL(into: sslContext, path: crlPath)
        }
        if configuration.certificateChainPath != nil {
            buildChainOnce(in: sslContext)
        }
    }

    /// With only a leaf in the certificate file, OpenSSL completes the chain it sends from the trust store on every
    /// handshake; with the system store that means listing /etc/ssl/certs each time (most of a handshake's CPU, and
    /// lock contention between event loops). Build the same chain once here and turn the per-handshake search off.
    private static func buildChainOnce(in sslContext: OpaquePointer) {
        if shim_SSL_CTX_has_chain_certs(sslContext) == 0 {
            OpenSSLErrorQueue.clear()
            _ = shim_SSL_CTX_build_cert_chain(sslContext)
            OpenSSLErrorQueue.clear()
        }
        shim_SSL_CTX_set_mode(sslContext, shim_SSL_MODE_NO_AUTO_CHAIN())
    }

    private static func loadIdentity(into sslContext: OpaquePointer, certificatePath: String, keyPath: String) throws {
        try checkReadable(certificatePath, what: "certificate")
        try checkReadable(keyPath, what: "private key")
        OpenSSLErrorQueue.clear()
        if SSL_CTX_use_certificate_chain_file(sslContext, certificatePath) != 1 {
            throw TLSError.drainingErrorQueue(
                .invalidCertificate,
                context: "cannot load certificate \(certificatePath)"
            )
        }
        OpenSSLErrorQueue.clear()
        if SSL_CTX_use_PrivateKey_file(sslContext, keyPath, SSL_FILETYPE_PEM) != 1 {
            let entries = OpenSSLErrorQueue.drain()
            let mismatch = entries.contains { $0.matches(library: ERR_LIB_X509, reason: X509_R_KEY_VALUES_MISMATCH) }
            let reasons = entries.map(\.reasonText).joined(separator: "; ")
            if mismatch {
                throw TLSError(
                    .keyMismatch,
                    detail: "\(keyPath) is not the key of \(certificatePath)",
                    openSSLErrors: entries.map(\.line)
                )
            }
            throw TLSError(
                .invalidPrivateKey,
                detail: "cannot load private key \(keyPath): \(reasons)",
                openSSLErrors: entries.map(\.line)
            )
        }
        OpenSSLErrorQueue.clear()
        if SSL_CTX_check_private_key(sslContext) != 1 {
            throw TLSError.drainingErrorQueue(
                .keyMismatch,
                context: "\(keyPath) is not the key of \(certificatePath)"
            )
        }
    }

    private static func loadTrustRoots(
        into sslContext: OpaquePointer,
        path: String,
        role: TLSConfiguration.Role
    ) throws {
        try checkReadable(path, what: "CA file")
        OpenSSLErrorQueue.clear()
        if SSL_CTX_load_verify_locations(sslContext, path, nil) != 1 {
            throw TLSError.drainingErrorQueue(.invalidCertificate, context: "cannot load CA file \(path)")
        }
        if role == .server {
            // The CA names go into the CertificateRequest so clients can pick a matching certificate.
            OpenSSLErrorQueue.clear()
            guard let names = SSL_load_client_CA_file(path) else {
                throw TLSError.drainingErrorQueue(.invalidCertificate, context: "cannot read CA names from \(path)")
            }
            SSL_CTX_set_client_CA_list(sslContext, names)
        }
    }

    private static func loadCRL(into sslContext: OpaquePointer, path: String) throws {
        try checkReadable(path, what: "CRL")
        OpenSSLErrorQueue.clear()
        guard let store = SSL_CTX_get_cert_store(sslContext),
            let lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file()),
            X509_load_crl_file(lookup, path, X509_FILETYPE_PEM) > 0
        else {
            throw TLSError.drainingErrorQueue(.invalidCRL, context: "cannot load CRL \(path)")
        }
        X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK))
    }

    private static func checkReadable(_ path: String, what: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TLSError(.fileNotFound, detail: "\(what) \(path)")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw TLSError(.unreadableFile, detail: "\(what) \(path)")
        }
    }
}
