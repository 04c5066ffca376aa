import ChatCore
import Foundation
import Testing

@Suite struct CertificateNameRuleTests {
    private func name(_ raw: String) -> Username { try! Username.validate(raw).get() }

    private func stored(_ displayName: String, _ kind: StoredIdentity.Kind) -> StoredIdentity {
        StoredIdentity(key: displayName.lowercased(), displayName: displayName, kind: kind, createdAt: Date())
    }

    @Test func aCertificateIdentityBelongsToItsExactCNSpelling() {
        let alice = stored("alice", .certificate)
        #expect(CertificateNameRule.refusal(for: name("alice"), stored: alice) == nil)
        let refusal = CertificateNameRule.refusal(for: name("Alice"), stored: alice)
        #expect(refusal?.code == .nameReserved)
        #expect(refusal?.message.contains("alice") == true)
    }

    @Test func aPasswordIdentityIsClaimedByAnySpellingOfItsName() {
        #expect(CertificateNameRule.refusal(for: name("Carol"), stored: stored("carol", .password(hash: "h"))) == nil)
    }

    @Test func aNewCertificateNameMustStartWithALetter() {
        #expect(CertificateNameRule.refusal(for: name("bob"), stored: nil) == nil)
        #expect(CertificateNameRule.refusal(for: name("-rf"), stored: nil)?.code == .nameInvalid)
        #expect(CertificateNameRule.refusal(for: name("12345"), stored: nil)?.code == .nameInvalid)
        // A stored certificate name from before the rule keeps working.
        #expect(CertificateNameRule.refusal(for: name("12345"), stored: stored("12345", .certificate)) == nil)
    }
}
