import Testing

@testable import SecureChatTLS

/// ALPN: the server picks the first of its protocols that the client offers, or none, and the handshake goes on.
@Suite struct ApplicationProtocolTests {
    private func negotiate(
        server serverProtocols: [String],
        client clientProtocols: [String],
        version: TLSVersion = .tls13
    ) throws -> (client: String?, server: String?) {
        let client = try TestContexts.client(maximumVersion: version, applicationProtocols: clientProtocols)
            .makeConnection()
        let server = try TestContexts.server(applicationProtocols: serverProtocols).makeConnection()
        try InMemoryHandshake.run(client, server)
        return (client.sessionInfo().applicationProtocol, server.sessionInfo().applicationProtocol)
    }

    @Test(arguments: [TLSVersion.tls13, .tls12])
    func theServersChoiceAmongWhatTheClientOffers(version: TLSVersion) throws {
        let agreed = try negotiate(server: ["http/1.1"], client: ["h2", "http/1.1"], version: version)
        #expect(agreed.client == "http/1.1")
        #expect(agreed.server == "http/1.1")
        // The server's order wins.
        let preferred = try negotiate(server: ["b", "a"], client: ["a", "b"], version: version)
        #expect(preferred.server == "b")
        #expect(preferred.client == "b")
    }

    @Test func nothingInCommonOrNothingOfferedMeansNoALPNAndAHandshakeAllTheSame() throws {
        let disjoint = try negotiate(server: ["http/1.1"], client: ["h2"])
        #expect(disjoint.client == nil && disjoint.server == nil)
        let notOffered = try negotiate(server: ["http/1.1"], client: [])
        #expect(notOffered.client == nil && notOffered.server == nil)
        let notAccepted = try negotiate(server: [], client: ["http/1.1"])
        #expect(notAccepted.client == nil && notAccepted.server == nil)
    }

    @Test func aServerListOutlivesTheContextThatSetItUp() throws {
        // A reload drops the old context while connections it made still shake hands.
        var context: TLSContext? = try TestContexts.server(applicationProtocols: ["x-late"])
        let server = try context!.makeConnection()
        context = nil
        let client = try TestContexts.client(applicationProtocols: ["x-late"]).makeConnection()
        try InMemoryHandshake.run(client, server)
        #expect(server.sessionInfo().applicationProtocol == "x-late")
    }

    @Test(arguments: [[""], [String(repeating: "p", count: 256)]])
    func namesOfTheWrongLengthAreRefused(protocols: [String]) {
        let error = #expect(throws: TLSError.self) { try TestContexts.server(applicationProtocols: protocols) }
        #expect(error == .invalidConfiguration)
        #expect(error?.description.contains("ALPN") == true)
    }

    @Test func theWireFormatPrefixesEachNameWithItsLength() {
        #expect(ApplicationProtocols.wire(["h2", "http/1.1"]) == [2] + Array("h2".utf8) + [8] + Array("http/1.1".utf8))
    }
}
