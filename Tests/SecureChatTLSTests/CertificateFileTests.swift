import Foundation
import Testing

@testable import SecureChatTLS

/// What the operator's `status` reads from the PEM files: each certificate's CN and expiry, and the CRL's issuer,
/// revocations and next update.
@Suite struct CertificateFileTests {
    @Test func everyCertificateOfAFileIsRead() throws {
        let certificates = try TestCertificates.shared()
        let server = CertificateFile.summaries(atPath: certificates.server.certificate)
        #expect(server.map(\.commonName) == ["localhost"])
        let expiry = try #require(server.first?.notAfter)
        #expect(expiry > Date() && expiry < Date().addingTimeInterval(400 * 86_400))
        let expired = CertificateFile.summaries(atPath: certificates.expiredClient.certificate)
        #expect(try #require(expired.first?.notAfter) < Date())
        // Two certificates in one file: both, in order.
        let both = FileManager.default.temporaryDirectory.appendingPathComponent("chain-\(UUID().uuidString).pem").path
        let text =
            try String(contentsOfFile: certificates.server.certificate, encoding: .utf8)
            + String(contentsOfFile: certificates.ca, encoding: .utf8)
        try text.write(toFile: both, atomically: true, encoding: .utf8)
        #expect(CertificateFile.summaries(atPath: both).map(\.commonName) == ["localhost", "SecureChat Test CA"])
    }

    @Test func aMissingOrBrokenFileReadsAsNothing() throws {
        #expect(CertificateFile.summaries(atPath: "/nonexistent.pem").isEmpty)
        #expect(CertificateFile.crlSummary(atPath: "/nonexistent.pem") == nil)
        let certificates = try TestCertificates.shared()
        #expect(CertificateFile.crlSummary(atPath: certificates.ca) == nil)
    }

    @Test func aCRLSaysWhoIssuedItWhatItRevokesAndWhenItMustBeReplaced() throws {
        let crl = try #require(CertificateFile.crlSummary(atPath: try TestCertificates.shared().crl))
        #expect(crl.issuer == "SecureChat Test CA")
        #expect(crl.revoked == 1)
        #expect(try #require(crl.nextUpdate) > Date())
    }
}
