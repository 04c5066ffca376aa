import Foundation
import Testing

@testable import ChatCore

/// `seal` and `cert`: the server relays, queues and keeps sealed messages like `send`s, without reading them, and
/// hands out the certificate each certificate user last logged in with.
@Suite struct ChatServiceSealingTests {
    /// A small well-formed sealed message (a DER SEQUENCE in base64); the server checks only the form.
    static let sealed = Data([0x30, 0x03, 0x02, 0x01, 0x07]).base64EncodedString()
    static let aliceDER: [UInt8] = [0x30, 0x02, 0x05, 0x00]

    /// alice (certificate, on 1), bob (certificate, on 2), Dora (password, offline), carl (certificate, offline).
    private func room() async throws -> (ServiceFixture, alice: ChatUser, bob: ChatUser) {
        let fixture = ServiceFixture()
        try await fixture.registered("Dora")
        try await fixture.certificate("carl")
        let alice = try await fixture.service.join(
            name("alice"),
            as: .certificate,
            on: ConnectionID(1),
            certificate: Self.aliceDER
        ).get()
        let bob = try await fixture.join("bob", as: .certificate, on: 2)
        fixture.sink.clear()
        return (fixture, alice, bob)
    }

    @Test func aSealedMessageReachesAnOnlineRecipientAsItWasSentAndIsKeptSealed() async throws {
        var (fixture, alice, _) = try await room()
        let answer = await fixture.service.perform(.seal(to: name("BOB"), sealed: Self.sealed), for: &alice)
        #expect(answer == [.ok("delivered to bob")])
        #expect(fixture.sink.received(by: 2) == [.sealed(from: "alice", sealed: Self.sealed)])
        let stored = try await fixture.settledMessages()
        #expect(stored.map(\.audience) == [.sealed(recipients: [recipient("bob", .delivered)])])
        #expect(stored.map(\.text) == [Self.sealed])
    }

    @Test func anOfflineCertificateUserFindsItInTheInboxAndHistoryMarkedSealed() async throws {
        var (fixture, alice, _) = try await room()
        let answer = await fixture.service.perform(.seal(to: name("carl"), sealed: Self.sealed), for: &alice)
        #expect(answer.first.map { "\($0)" }?.contains("queued for carl") == true)
        var carl = try await fixture.join("carl", as: .certificate, on: 3)
        let inbox = await fixture.service.perform(.inbox, for: &carl)
        guard case .inbox(_, _, let kind, let from, let text) = inbox.first else {
            Issue.record("no INBOX line: \(inbox)")
            return
        }
        #expect(kind == .sealed && from == "alice" && text == Self.sealed)
        let history = await fixture.service.perform(.history(limit: 5), for: &alice)
        guard case .sealedHistory(_, "alice", "carl", Self.sealed) = history.first else {
            Issue.record("no sealed HISTORY line: \(history)")
            return
        }
    }

    @Test func onlyCertificateUsersSealAndOnlyToCertificateUsers() async throws {
        var (fixture, alice, _) = try await room()
        var guest = try await fixture.join("gus", on: 4)
        fixture.sink.clear()
        let fromGuest = await fixture.service.perform(.seal(to: name("bob"), sealed: Self.sealed), for: &guest)
        #expect(fromGuest.map(\.errorCode) == [.notAllowed])
        let toPassword = await fixture.service.perform(.seal(to: name("dora"), sealed: Self.sealed), for: &alice)
        #expect(toPassword.map(\.errorCode) == [.noCertificate])
        let toGuest = await fixture.service.perform(.seal(to: name("gus"), sealed: Self.sealed), for: &alice)
        #expect(toGuest.map(\.errorCode) == [.noCertificate])
        let toNobody = await fixture.service.perform(.seal(to: name("nobody"), sealed: Self.sealed), for: &alice)
        #expect(toNobody.map(\.errorCode) == [.unknownUser])
        #expect(fixture.sink.received(by: 2).isEmpty)
    }

    @Test func aRecipientWhoBlocksTheSenderGetsNothing() async throws {
        var (fixture, alice, bob) = try await room()
        _ = await fixture.service.perform(.block(name("alice")), for: &bob)
        fixture.sink.clear()
        let answer = await fixture.service.perform(.seal(to: name("bob"), sealed: Self.sealed), for: &alice)
        #expect(answer.map(\.errorCode) == [.blocked])
        #expect(fixture.sink.received(by: 2).isEmpty)
    }

    @Test func certAnswersWithTheCertificateOfTheLastLogin() async throws {
        var (fixture, alice, bob) = try await room()
        var asker = bob
        let answer = await fixture.service.perform(.certificate(of: name("ALICE")), for: &asker)
        #expect(
            answer == [
                .certificate(name: "alice", der: Data(Self.aliceDER).base64EncodedString()),
                .ok("certificate of alice"),
            ]
        )
        // bob logged in without handing a certificate over: none is kept for him yet.
        #expect(
            await fixture.service.perform(.certificate(of: name("bob")), for: &alice).map(\.errorCode) == [
                .noCertificate
            ]
        )
        #expect(
            await fixture.service.perform(.certificate(of: name("Dora")), for: &alice).map(\.errorCode) == [
                .noCertificate
            ]
        )
        #expect(
            await fixture.service.perform(.certificate(of: name("zed")), for: &alice).map(\.errorCode) == [.unknownUser]
        )
    }
}

extension ServerReply {
    /// The code of an `ERROR`, nil for anything else.
    fileprivate var errorCode: ProtocolError.Code? {
        if case .error(let error) = self { return error.code }
        return nil
    }
}
