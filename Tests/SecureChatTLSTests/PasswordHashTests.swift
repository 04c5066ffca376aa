import Testing

@testable import SecureChatTLS

@Suite struct PasswordHashTests {
    @Test func roundTrip() {
        let encoded = PasswordHash.make(password: "correct horse battery staple")
        #expect(encoded.hasPrefix("scrypt$16384$8$1$"))
        #expect(encoded.split(separator: "$").count == 6)
        #expect(PasswordHash.verify(password: "correct horse battery staple", against: encoded))
        #expect(!PasswordHash.verify(password: "correct horse battery stapler", against: encoded))
    }

    @Test func saltsDiffer() {
        #expect(PasswordHash.make(password: "pw") != PasswordHash.make(password: "pw"))
    }

    @Test func emptyAndUnicodePasswords() {
        #expect(PasswordHash.verify(password: "", against: PasswordHash.make(password: "")))
        let unicode = PasswordHash.make(password: "pässwörd 🔐")
        #expect(PasswordHash.verify(password: "pässwörd 🔐", against: unicode))
        #expect(!PasswordHash.verify(password: "passwörd 🔐", against: unicode))
    }

    @Test(arguments: [
        "",
        "scrypt$16384$8$1$c2FsdA==",
        "bcrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$16385$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$16384$8$1$!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ])
    func malformedOrWrongEncodingsAreRejected(encoded: String) {
        #expect(!PasswordHash.verify(password: "pw", against: encoded))
    }

    /// A vector computed independently: `openssl kdf -keylen 32 -kdfopt pass:password -kdfopt salt:NaCl
    /// -kdfopt n:1024 -kdfopt r:8 -kdfopt p:16 SCRYPT` (RFC 7914 section 12, first 32 bytes).
    @Test func knownVectorFromRFC7914() {
        let encoded = "scrypt$1024$8$16$TmFDbA==$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWI="
        #expect(PasswordHash.verify(password: "password", against: encoded))
    }
}
