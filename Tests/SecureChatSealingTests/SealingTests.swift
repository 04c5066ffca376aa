import Foundation
import Testing

@testable import SecureChatSealing

/// Sealing and opening with OpenSSL's CMS, between our code and the `openssl cms` command, and every way a sealed
/// message can be wrong (docs/SEALED.md).
@Suite struct SealingTests {
    /// One set of certificates for every test: making them runs `openssl` some twenty times, waiting on each, and a
    /// set per test kept the test process's few threads from everything else for a minute in CI.
    static let shared = Result { try SealingPKI.make() }

    let pki: SealingPKI
    let trust: UserTrust

    init() throws {
        pki = try Self.shared.get()
        trust = try UserTrust(caFile: pki.certificate("ca"), crlFile: pki.path("ca.crl"))
    }

    func identity(_ name: String) throws -> SealingIdentity {
        try SealingIdentity(certificateFile: pki.certificate(name), keyFile: pki.key(name))
    }

    func certificate(_ name: String) throws -> UserCertificate {
        try UserCertificate(pemFile: pki.certificate(name))
    }

    func seal(_ text: String, from sender: String, to recipient: String, at date: Date = Date()) throws -> [UInt8] {
        let content = SealedContent(from: sender, to: recipient, date: date, text: text)
        return try Sealer.seal(content, by: identity(sender), to: [certificate(recipient), certificate(sender)])
    }

    func open(
        _ sealed: [UInt8],
        as name: String,
        from sender: String,
        to recipient: String? = nil,
        at date: Date = Date()
    ) throws -> OpenedMessage {
        try Opener.open(
            sealed,
            with: identity(name),
            trust: trust,
            envelope: .init(from: sender, to: recipient ?? name, receivedAt: date)
        )
    }

    @Test func theRecipientAndTheSenderOpenItVerified() throws {
        let sealed = try seal("meet at 6", from: "alice", to: "bob")
        let opened = try open(sealed, as: "bob", from: "alice")
        #expect(opened.content.text == "meet at 6")
        #expect(opened.content.from == "alice")
        #expect(opened.isVerified, "\(opened.problems)")
        // The sender's own copy, as `history` shows it: from alice, to bob.
        let own = try open(sealed, as: "alice", from: "alice", to: "bob")
        #expect(own.content.text == "meet at 6")
        #expect(own.isVerified, "\(own.problems)")
        #expect(opened.signer.keyFingerprint == (try certificate("alice").keyFingerprint))
    }

    @Test func nobodyElseCanOpenIt() throws {
        let sealed = try seal("for bob only", from: "alice", to: "bob")
        #expect(throws: SealingError.self) { try open(sealed, as: "carol", from: "alice") }
    }

    @Test func aChangedByteMakesItUnreadable() throws {
        var sealed = try seal("do not change me", from: "alice", to: "bob")
        // Every byte of the ciphertext and its tag is covered by GCM; flip one near the end (the tag or the text).
        sealed[sealed.count - 20] ^= 0x01
        #expect(throws: SealingError.self) { try open(sealed, as: "bob", from: "alice") }
    }

    @Test func aMessagePassedOnToSomeoneElseIsFlagged() throws {
        // bob opens alice's message and encrypts the same signed content to carol, as if alice had sent it to her.
        let sealed = try seal("for bob", from: "alice", to: "bob")
        let signed = try Opener.decrypt(sealed, with: identity("bob"))
        let forwarded = try Sealer.encrypt(signed, to: [certificate("carol")])
        let opened = try open(forwarded, as: "carol", from: "alice")
        #expect(!opened.isVerified)
        #expect(opened.problems.contains { $0.contains("sealed to bob, not to carol") })
    }

    @Test func aSenderTheServerDoesNotNameIsFlagged() throws {
        let sealed = try seal("hi", from: "alice", to: "bob")
        let opened = try open(sealed, as: "bob", from: "carol")
        #expect(opened.problems.contains { $0.contains("signed by alice, but the server says it is from carol") })
    }

    @Test func aSignerFromAnotherCAIsNotVerified() throws {
        let content = SealedContent(from: "alice", to: "bob", date: Date(), text: "it is me, alice")
        let fake = try SealingIdentity(certificateFile: pki.certificate("fakealice"), keyFile: pki.key("fakealice"))
        let sealed = try Sealer.seal(content, by: fake, to: [certificate("bob")])
        let opened = try open(sealed, as: "bob", from: "alice")
        #expect(!opened.isVerified)
        #expect(opened.problems.contains { $0.contains("the signer's certificate: unable to get local issuer") })
    }

    @Test func aRevokedSignerIsNotVerified() throws {
        let sealed = try seal("revoked", from: "dave", to: "bob")
        let opened = try open(sealed, as: "bob", from: "dave")
        #expect(opened.problems == ["the signer's certificate: certificate revoked"])
    }

    @Test func anExpiredSignerAndAnOldMessageAreFlagged() throws {
        let sent = Date()
        let sealed = try seal("long ago", from: "brief", to: "bob", at: sent)
        // Three days later brief's one-day certificate has expired, and the message is three days older than that.
        let opened = try open(sealed, as: "bob", from: "brief", at: sent.addingTimeInterval(3 * 86_400))
        #expect(opened.problems.contains("the signer's certificate: certificate has expired"))
        #expect(opened.problems.contains { $0.contains("4320 minutes before the server got it") })
        // As of when it arrived it was fine.
        #expect(try open(sealed, as: "bob", from: "brief", at: sent).isVerified)
    }

    @Test func aMessageFromBeforeTheCurrentCRLStillVerifiesUnlessItsSignerIsRevoked() throws {
        // The CRL was issued a moment ago; a day-old message is checked as of a day ago, and for revocation now.
        let dayAgo = Date().addingTimeInterval(-86_400)
        let old = try seal("yesterday", from: "alice", to: "bob", at: dayAgo)
        #expect(try open(old, as: "bob", from: "alice", at: dayAgo).isVerified)
        let revoked = try seal("yesterday", from: "dave", to: "bob", at: dayAgo)
        #expect(
            try open(revoked, as: "bob", from: "dave", at: dayAgo).problems == [
                "the signer's certificate: certificate revoked"
            ]
        )
    }

    @Test func aTimeInTheFutureIsFlagged() throws {
        let later = Date().addingTimeInterval(3600)
        let sealed = try seal("from the future", from: "alice", to: "bob", at: later)
        let opened = try open(sealed, as: "bob", from: "alice", at: later)
        #expect(opened.problems.count == 1)
        #expect(opened.problems.first?.contains("in the future") == true)
    }

    @Test func theTagOfWhatWeSealIsTheFullSixteenBytes() throws {
        let sealed = try seal("tag", from: "alice", to: "bob")
        #expect(AuthEnvelopedDataMAC.length(in: sealed) == 16)
        #expect(AuthEnvelopedDataMAC.length(in: Array(sealed.prefix(100))) == nil)
        #expect(AuthEnvelopedDataMAC.length(in: []) == nil)
    }

    @Test func aShortenedTagIsRefused() throws {
        // The mac is the last field: `04 10` and 16 bytes. Cut it to one byte and shorten the three enclosing
        // lengths (ContentInfo, [0], AuthEnvelopedData; each two-byte long form at a known place) by 15.
        let sealed = try seal("short tag", from: "alice", to: "bob")
        try #require(sealed[sealed.count - 18] == 0x04 && sealed[sealed.count - 17] == 0x10)
        try #require(sealed[1] == 0x82 && sealed[17] == 0xA0 && sealed[18] == 0x82 && sealed[22] == 0x82)
        var cut = Array(sealed.dropLast(18)) + [0x04, 0x01, sealed[sealed.count - 16]]
        for offset in [2, 19, 23] {
            let length = Int(cut[offset]) << 8 | Int(cut[offset + 1])
            cut[offset] = UInt8((length - 15) >> 8)
            cut[offset + 1] = UInt8((length - 15) & 0xFF)
        }
        #expect(AuthEnvelopedDataMAC.length(in: cut) == 1)
        #expect(throws: SealingError("its authentication tag is not the 16 bytes of AES-GCM")) {
            try open(cut, as: "bob", from: "alice")
        }
    }

    @Test func namesAreComparedAsSpelled() throws {
        let sealed = try seal("case", from: "alice", to: "bob")
        #expect(
            try open(sealed, as: "bob", from: "Alice").problems.contains { $0.contains("server says it is from Alice") }
        )
    }

    @Test func certificatesIssuedBeforeSealedMessagesAreRefusedWithAReason() throws {
        #expect(try certificate("old").sealingProblem == "its key usage does not allow key agreement")
        #expect(try certificate("bob").sealingProblem == nil)
        #expect(trust.problem(with: try certificate("bob"), at: Date(), for: .sealing) == nil)
        #expect(trust.problem(with: try certificate("dave"), at: Date(), for: .sealing) == "certificate revoked")
    }

    @Test func opensslOpensWhatWeSeal() throws {
        let sealed = try seal("to be read with openssl", from: "alice", to: "bob")
        let output = try pki.shell(
            """
            openssl cms -decrypt -binary -inform DER -recip bob.crt -inkey bob.key |
                openssl cms -verify -binary -inform DER -CAfile ca.crt 2>/dev/null
            """,
            input: Data(sealed)
        )
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("From: alice\nTo: bob\n"))
        #expect(text.hasSuffix("\n\nto be read with openssl\n"))
        let printed = try pki.shell("openssl cms -cmsout -print -inform DER", input: Data(sealed))
        let structure = String(decoding: printed, as: UTF8.self)
        #expect(structure.contains("id-smime-ct-authEnvelopedData"))
        #expect(structure.contains("aes-256-gcm"))
        #expect(structure.contains("dhSinglePass-stdDH-sha256kdf-scheme"))
    }

    @Test func weOpenWhatOpensslSeals() throws {
        let date = SealedContent.timestamp(Date())
        let sealed = try pki.shell(
            """
            printf 'From: alice\\r\\nTo: bob\\r\\nDate: \(date)\\r\\n\\r\\nwritten by hand\\r\\n' |
                openssl cms -sign -binary -nodetach -signer alice.crt -inkey alice.key -outform DER |
                openssl cms -encrypt -binary -aes-256-gcm -recip bob.crt -keyopt ecdh_kdf_md:sha256 -outform DER
            """
        )
        let opened = try open([UInt8](sealed), as: "bob", from: "alice")
        #expect(opened.content.text == "written by hand")
        #expect(opened.isVerified, "\(opened.problems)")
    }

    @Test func plainEnvelopedDataIsRefused() throws {
        // CBC without authentication: a changed ciphertext would not be noticed; sealed messages use GCM only.
        let sealed = try pki.shell(
            "printf x | openssl cms -encrypt -binary -aes-256-cbc -recip bob.crt -outform DER"
        )
        #expect(throws: SealingError("it is not sealed with authenticated encryption (CMS AuthEnvelopedData)")) {
            try open([UInt8](sealed), as: "bob", from: "alice")
        }
    }
}

@Suite struct SealedContentTests {
    @Test func encodesAndParsesBack() throws {
        let date = Date(timeIntervalSince1970: 1_796_400_000)
        let content = SealedContent(from: "alice", to: "bob", date: date, text: "two  spaces: and a colon")
        let text = String(decoding: content.encoded, as: UTF8.self)
        #expect(text == "From: alice\nTo: bob\nDate: 2026-12-04T16:00:00Z\n\ntwo  spaces: and a colon\n")
        #expect(SealedContent(parsing: content.encoded) == content)
    }

    @Test func readsWhatPeopleWriteByHand() throws {
        let bytes = Array("date: 2026-12-04T16:00:00Z\r\nTO:bob\r\nX-Other: ignored\r\nfrom: alice\r\n\r\nhi\r\n".utf8)
        let content = try #require(SealedContent(parsing: bytes))
        #expect(content.from == "alice")
        #expect(content.to == "bob")
        #expect(content.text == "hi")
    }

    @Test func refusesContentWithoutItsHeaders() {
        #expect(SealedContent(parsing: Array("just text".utf8)) == nil)
        #expect(SealedContent(parsing: Array("From: alice\nTo: bob\n\nno date\n".utf8)) == nil)
        #expect(SealedContent(parsing: Array("From: alice\nTo: bob\nDate: yesterday\n\nx\n".utf8)) == nil)
        #expect(SealedContent(parsing: [0xFF, 0xFE]) == nil)
    }
}
