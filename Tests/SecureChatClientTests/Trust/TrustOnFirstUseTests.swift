import Testing

@testable import SecureChatClient

@Suite struct TrustOnFirstUseTests {
    let fingerprint = Array(repeating: "AB", count: 32).joined(separator: ":")

    private func decide(_ check: KnownHosts.Check, canAsk: Bool) -> TrustOnFirstUse.Decision {
        TrustOnFirstUse.decide(
            check: check,
            address: "127.0.0.1:7443",
            fingerprint: fingerprint,
            reason: "the server's certificate is self-signed and not trusted",
            knownHostsPath: "/tmp/kh",
            canAsk: canAsk
        )
    }

    @Test func aKnownMatchingCertificateIsTrusted() {
        #expect(decide(.match, canAsk: false) == .trust)
        #expect(decide(.match, canAsk: true) == .trust)
    }

    @Test func anUnknownCertificateIsAskedAboutOnlyInteractively() {
        #expect(decide(.unknown, canAsk: true) == .ask)
        guard case .refuse(let error) = decide(.unknown, canAsk: false) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.code == .untrustedServer)
        #expect(error.detail.contains(fingerprint))
        #expect(error.detail.contains("--ca"))
    }

    @Test func aChangedCertificateIsRefusedLoudlyEvenInteractively() {
        guard case .refuse(let error) = decide(.mismatch(expected: "00"), canAsk: true) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.code == .fingerprintChanged)
        #expect(error.detail.contains("WARNING: THE SERVER'S CERTIFICATE HAS CHANGED"))
        #expect(error.detail.contains("/tmp/kh"))
        #expect(error.detail.contains(fingerprint))
    }

    @Test func answers() {
        #expect(TrustOnFirstUse.isYes("y"))
        #expect(TrustOnFirstUse.isYes(" YES "))
        #expect(!TrustOnFirstUse.isYes(""))
        #expect(!TrustOnFirstUse.isYes("n"))
        #expect(!TrustOnFirstUse.isYes(nil))
    }
}
