import Testing

@testable import SecureChatTLS

/// What the handover learns from OpenSSL's callbacks, fed in the order OpenSSL 3.0 calls them: a record's header and
/// inner content type, then (for a handshake message) the message.
@Suite struct TLS13HandoverWatchTests {
    private let finished: [UInt8] = [20, 0, 0, 32]
    private let ticket: [UInt8] = [4, 0, 0, 100]
    private let keyUpdate: [UInt8] = [24, 0, 0, 1, 0]

    private func record(_ watch: inout TLS13HandoverWatch, written: Bool, type: UInt8, message: [UInt8]? = nil) {
        [UInt8(23)].withUnsafeBytes { watch.message(written: written, contentType: 256, bytes: $0) }  // header
        [type].withUnsafeBytes { watch.message(written: written, contentType: 0x101, bytes: $0) }
        if let message {
            message.withUnsafeBytes { watch.message(written: written, contentType: 22, bytes: $0) }
        }
    }

    @Test func keyLogLinesGiveTheApplicationSecrets() {
        var watch = TLS13HandoverWatch()
        let random = String(repeating: "ab", count: 32)
        watch.keyLogged("CLIENT_HANDSHAKE_TRAFFIC_SECRET \(random) \(String(repeating: "11", count: 32))")
        watch.keyLogged("CLIENT_TRAFFIC_SECRET_0 \(random) 00FF7a\(String(repeating: "22", count: 29))")
        watch.keyLogged("SERVER_TRAFFIC_SECRET_0 \(random) xyz")  // not hex: ignored
        #expect(watch.clientSecret?.bytes == [0x00, 0xFF, 0x7A] + [UInt8](repeating: 0x22, count: 29))
        #expect(watch.serverSecret == nil)
        watch.keyLogged("SERVER_TRAFFIC_SECRET_0 \(random) \(String(repeating: "33", count: 48))")
        #expect(watch.serverSecret?.bytes == [UInt8](repeating: 0x33, count: 48))
    }

    @Test func recordsAreCountedFromEachFinished() {
        var watch = TLS13HandoverWatch()
        record(&watch, written: true, type: 22, message: [8, 0, 0, 2])  // EncryptedExtensions
        record(&watch, written: true, type: 22, message: finished)  // our Finished: not counted
        record(&watch, written: false, type: 22, message: [11, 0, 0, 3])  // the client's Certificate
        record(&watch, written: false, type: 22, message: finished)  // its Finished: not counted
        #expect(watch.recordsWritten == 0 && watch.recordsRead == 0)
        record(&watch, written: true, type: 22, message: ticket)
        record(&watch, written: true, type: 22, message: ticket)
        record(&watch, written: true, type: 23)
        record(&watch, written: false, type: 23)
        [UInt8(20)].withUnsafeBytes { watch.message(written: false, contentType: 20, bytes: $0) }  // a bare CCS
        #expect(watch.recordsWritten == 3 && watch.recordsRead == 1)
        #expect(watch.refusal == nil && !watch.isComplete)
    }

    @Test func aKeyUpdateBeforeTheHandoverKeepsOpenSSL() {
        var watch = TLS13HandoverWatch()
        record(&watch, written: true, type: 22, message: finished)
        record(&watch, written: false, type: 22, message: finished)
        record(&watch, written: false, type: 22, message: keyUpdate)
        #expect(watch.refusal != nil)

        // The first bytes of a KeyUpdate split across records: OpenSSL keeps them where nothing reports them.
        var split = TLS13HandoverWatch()
        record(&split, written: true, type: 22, message: finished)
        record(&split, written: false, type: 22, message: finished)
        record(&split, written: false, type: 22)
        #expect(split.refusal != nil)

        var ours = TLS13HandoverWatch()
        record(&ours, written: true, type: 22, message: finished)
        record(&ours, written: true, type: 22, message: keyUpdate)
        #expect(ours.refusal != nil)
    }
}
