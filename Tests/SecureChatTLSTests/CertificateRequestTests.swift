import Testing

@testable import SecureChatTLS

/// A client knows whether the server asked for its certificate, so it never claims to have used one it never sent.
@Suite struct CertificateRequestTests {
    @Test(arguments: [ClientAuthentication.off, .optional], [TLSVersion.tls13, .tls12])
    func theClientSeesWhetherItsCertificateWasAskedFor(policy: ClientAuthentication, version: TLSVersion) throws {
        let pair = try BackToBackChannels(
            client: TestContexts.client(identity: .good, maximumVersion: version),
            server: TestContexts.server(clientAuthentication: policy, withCRL: policy != .off)
        )
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()

        let session = try #require(pair.clientEvents.sessions.first)
        #expect(session.certificateRequested == (policy != .off))
        #expect(pair.serverEvents.sessions.first?.certificateRequested == false)
    }
}
