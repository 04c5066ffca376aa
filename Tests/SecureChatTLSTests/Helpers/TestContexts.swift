@testable import SecureChatTLS

/// Builds TLS contexts from ``TestCertificates`` for the common test set-ups.
enum TestContexts {
    static func server(
        identity: KeyPath<TestCertificates, TestCertificates.Identity> = \.server,
        clientAuthentication: ClientAuthentication = .off,
        withCRL: Bool = false,
        maximumVersion: TLSVersion = .tls13,
        handshakeTimeout: Duration = .seconds(10),
        applicationProtocols: [String] = [],
        handover: Bool = true,
        recordsPerKey: UInt64 = TLS13CipherSuite.recordsPerKey
    ) throws -> TLSContext {
        let certificates = try TestCertificates.shared()
        var configuration = TLSConfiguration.server(
            certificateChainPath: certificates[keyPath: identity].certificate,
            privateKeyPath: certificates[keyPath: identity].key,
            trustRootsPath: clientAuthentication == .off ? nil : certificates.ca,
            crlPath: withCRL ? certificates.crl : nil,
            clientAuthentication: clientAuthentication,
            handshakeTimeout: handshakeTimeout
        )
        configuration.maximumVersion = maximumVersion
        configuration.applicationProtocols = applicationProtocols
        configuration.recordLayerHandover = handover
        configuration.handoverRecordsPerKey = recordsPerKey
        return try TLSContext(configuration: configuration)
    }

    static func client(
        identity: TestCertificates.Client? = nil,
        hostname: String? = "localhost",
        trustRoots: KeyPath<TestCertificates, String> = \.ca,
        serverVerification: ServerVerification = .full,
        maximumVersion: TLSVersion = .tls13,
        resumesSessions: Bool = false,
        applicationProtocols: [String] = []
    ) throws -> TLSContext {
        let certificates = try TestCertificates.shared()
        var configuration = TLSConfiguration.client(
            serverHostname: hostname,
            trustRootsPath: certificates[keyPath: trustRoots],
            serverVerification: serverVerification,
            certificateChainPath: identity.map { certificates.identity(of: $0).certificate },
            privateKeyPath: identity.map { certificates.identity(of: $0).key }
        )
        configuration.maximumVersion = maximumVersion
        configuration.resumesSessions = resumesSessions
        configuration.applicationProtocols = applicationProtocols
        return try TLSContext(configuration: configuration)
    }
}
