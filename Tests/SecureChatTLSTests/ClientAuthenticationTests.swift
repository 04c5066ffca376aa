import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import SecureChatTLS

/// Every client-certificate policy against every kind of client certificate, judged on the server side: in TLS 1.3
/// the client finishes its handshake before the server has judged its certificate, so a finished client handshake
/// is not acceptance.
@Suite struct ClientAuthenticationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var policy: ClientAuthentication
        var clientIdentity: TestCertificates.Client?
        /// `nil` when the server must accept; otherwise words the server's error must contain.
        var refusal: String?

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "off, no certificate", policy: .off, clientIdentity: nil, refusal: nil),
        Case(name: "optional, no certificate", policy: .optional, clientIdentity: nil, refusal: nil),
        Case(name: "optional, good certificate", policy: .optional, clientIdentity: .good, refusal: nil),
        Case(
            name: "optional, expired certificate",
            policy: .optional,
            clientIdentity: .expired,
            refusal: "certificate verify failed: certificate has expired"
        ),
        Case(
            name: "required, no certificate",
            policy: .required,
            clientIdentity: nil,
            refusal: "peer did not return a certificate"
        ),
        Case(
            name: "required, other CA",
            policy: .required,
            clientIdentity: .otherCA,
            refusal: "unable to get local issuer certificate"
        ),
        Case(
            name: "required, expired",
            policy: .required,
            clientIdentity: .expired,
            refusal: "certificate has expired"
        ),
        Case(
            name: "required, revoked",
            policy: .required,
            clientIdentity: .revoked,
            refusal: "certificate revoked"
        ),
        Case(name: "required, good", policy: .required, clientIdentity: .good, refusal: nil),
    ]

    @Test(arguments: cases, [TLSVersion.tls13, .tls12])
    func serverJudgesTheClientCertificate(testCase: Case, version: TLSVersion) throws {
        let pair = try BackToBackChannels(
            client: TestContexts.client(identity: testCase.clientIdentity, maximumVersion: version),
            server: TestContexts.server(clientAuthentication: testCase.policy, withCRL: testCase.policy != .off)
        )
        defer { #expect(throws: Never.self) { try pair.finish() } }
        try pair.connect()
        try pair.interact()
        // The client's first write after its handshake: in TLS 1.3 this is where a refusal reaches it.
        if pair.client.isActive {
            pair.client.writeAndFlush(ByteBuffer(string: "hi\n"), promise: nil)
            try pair.interact()
        }

        if let refusal = testCase.refusal {
            let error = try #require(pair.serverEvents.tlsErrors.first)
            #expect(error == .handshakeFailed)
            #expect(error.description.contains(refusal), "\(error)")
            #expect(pair.serverEvents.sessions.isEmpty)
            #expect(pair.serverEvents.received.isEmpty)
            #expect(!pair.server.isActive)
            #expect(!pair.clientEvents.errors.isEmpty)  // the alert reached the client
        } else {
            #expect(pair.serverEvents.errors.isEmpty)
            let session = try #require(pair.serverEvents.sessions.first)
            #expect(session.protocolVersion == version.rawValue)
            #expect(pair.serverEvents.received == "hi\n")
            if let identity = testCase.clientIdentity {
                let certificates = try TestCertificates.shared()
                let peer = try #require(session.peer)
                #expect(peer.verified)
                #expect(peer.commonName == "good-client")
                #expect(
                    peer.fingerprintSHA256
                        == (try TestCertificates.fingerprint(
                            ofCertificate: certificates.identity(of: identity).certificate
                        ))
                )
                #expect(peer.notAfter.map { $0 > .now } == true)
                #expect(!peer.serialNumber.isEmpty)
            } else {
                #expect(session.peer == nil)
            }
        }
    }
}
