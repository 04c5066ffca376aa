import Testing

@testable import SecureChatClient

@Suite struct HandshakeFailureDescriptionTests {
    typealias Reason = HandshakeFailureDescription.Reason

    @Test(
        arguments: [
            ("unable to get local issuer certificate", Reason.unknownAuthority),
            ("self-signed certificate in certificate chain", Reason.unknownAuthority),
            ("unable to verify the first certificate", Reason.unknownAuthority),
            ("self-signed certificate", Reason.selfSigned),
            ("self signed certificate", Reason.selfSigned),
            ("certificate has expired", Reason.expired),
            ("certificate is not yet valid", Reason.notYetValid),
            ("hostname mismatch", Reason.hostnameMismatch),
            ("IP address mismatch", Reason.hostnameMismatch),
            ("certificate revoked", Reason.revoked),
            ("unsupported certificate purpose", Reason.badServerCertificate),
        ] as [(String, Reason)]
    )
    func verifyErrorsBecomeReasons(verifyError: String, reason: Reason) {
        let description = HandshakeFailureDescription(
            verifyError: verifyError,
            detail: "TLS handshake failed: certificate verify failed: \(verifyError) (depth 0)"
        )
        #expect(description.reason == reason)
    }

    @Test(
        arguments: [
            ("TLS handshake failed: tlsv13 alert certificate required", Reason.clientCertificateRequired),
            ("TLS handshake failed: sslv3 alert handshake failure", Reason.refusedByServer),
            (
                "TLS handshake failed: tlsv1 alert unknown ca",
                Reason.clientCertificateRejected("its certificate authority is unknown to the server")
            ),
            (
                "TLS handshake failed: sslv3 alert certificate revoked",
                Reason.clientCertificateRejected("it has been revoked")
            ),
            ("TLS handshake failed: tlsv1 alert protocol version", Reason.noCommonProtocol),
            ("TLS handshake failed: wrong version number", Reason.notTLS),
            ("TLS handshake failed: unexpected eof while reading", Reason.closedByServer),
            ("something odd", Reason.other("something odd")),
        ] as [(String, Reason)]
    )
    func alertsAndReasonsBecomeReasons(detail: String, reason: Reason) {
        #expect(HandshakeFailureDescription(verifyError: nil, detail: detail).reason == reason)
    }

    @Test func errorKindsWin() {
        #expect(HandshakeFailureDescription(verifyError: nil, detail: "x", isNotTLS: true).reason == .notTLS)
        #expect(HandshakeFailureDescription(verifyError: nil, detail: "x", isTimeout: true).reason == .timeout)
    }

    @Test func onlyUnknownIssuersMayFallBackToTrustOnFirstUse() {
        #expect(HandshakeFailureDescription(verifyError: "self-signed certificate", detail: "").isUnknownIssuer)
        #expect(
            HandshakeFailureDescription(verifyError: "unable to get local issuer certificate", detail: "")
                .isUnknownIssuer
        )
        #expect(!HandshakeFailureDescription(verifyError: "certificate has expired", detail: "").isUnknownIssuer)
        #expect(!HandshakeFailureDescription(verifyError: "hostname mismatch", detail: "").isUnknownIssuer)
    }

    @Test func descriptionsAreWordsNotOpenSSLDumps() {
        let unknown = HandshakeFailureDescription(verifyError: "unable to get local issuer certificate", detail: "")
        #expect(unknown.description.contains("unknown certificate authority"))
        let required = HandshakeFailureDescription(verifyError: nil, detail: "tlsv13 alert certificate required")
        #expect(required.description.contains("requires a client certificate"))
        let expired = HandshakeFailureDescription(verifyError: "certificate has expired", detail: "")
        #expect(expired.description == "the server's certificate has expired")
        let mismatch = HandshakeFailureDescription(verifyError: "hostname mismatch", detail: "")
        #expect(mismatch.description.contains("host name mismatch"))
        let notTLS = HandshakeFailureDescription(verifyError: nil, detail: "", isNotTLS: true)
        #expect(notTLS.description.contains("not speaking TLS"))
    }
}
