import Testing

@testable import SecureChatClient

@Suite struct ConnectionSummaryTests {
    @Test func namesServerVersionCipherAndClientCertificate() {
        #expect(
            summary(certificateRequested: true)
                == "connected to 127.0.0.1:7443 (localhost), verified by the CA in ca.crt; TLSv1.3, "
                + "TLS_AES_256_GCM_SHA384; client certificate sent (client-alice.crt)"
        )
    }

    @Test func aCertificateTheServerDidNotAskForIsNotClaimed() {
        let line = summary(certificateRequested: false)
        #expect(!line.contains("client certificate used") && !line.contains("client certificate sent"))
        #expect(line.hasSuffix("client certificate not sent: the server did not ask for one (client-alice.crt)"))
    }

    /// The line for a client with a certificate, verified by a CA.
    private func summary(certificateRequested: Bool) -> String {
        let configuration = ClientConfiguration(
            host: "127.0.0.1",
            port: 7443,
            trust: .certificateAuthority(path: "ca.crt"),
            clientCertificate: .init(chainPath: "/tmp/client-alice.crt", keyPath: "/tmp/client-alice.key")
        )
        return ConnectionSummary.line(
            configuration: configuration,
            protocolVersion: "TLSv1.3",
            cipher: "TLS_AES_256_GCM_SHA384",
            serverName: "localhost",
            fingerprint: "AA:BB",
            certificateRequested: certificateRequested,
            trust: .verifiedByCertificateAuthority(path: "ca.crt")
        )
    }

    @Test func showsTheFingerprintWhenNotVerifiedByACA() {
        let configuration = ClientConfiguration(host: "h", trust: .insecure)
        let line = ConnectionSummary.line(
            configuration: configuration,
            protocolVersion: "TLSv1.2",
            cipher: "ECDHE-ECDSA-AES128-GCM-SHA256",
            serverName: "evil\u{1B}[2J",
            fingerprint: "AA:BB",
            certificateRequested: false,
            trust: .notVerified
        )
        #expect(line.contains("NOT VERIFIED"))
        #expect(line.contains("no client certificate"))
        #expect(!line.contains("\u{1B}"))
        #expect(line.hasSuffix("SHA-256 fingerprint AA:BB"))
    }
}
