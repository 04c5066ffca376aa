import ChatCore
import Testing

@Suite struct ConnectionAdmissionTests {
    @Test func perAddressCapAndRelease() {
        var admission = ConnectionAdmission(limits: .init(total: 100, perAddress: 2, newPerMinute: 100))
        #expect(admission.connection(from: "10.0.0.1", now: 0) == .admit)
        #expect(admission.connection(from: "10.0.0.1", now: 0) == .admit)
        #expect(admission.connection(from: "10.0.0.1", now: 0) != .admit)
        #expect(admission.connection(from: "10.0.0.2", now: 0) == .admit)
        admission.closed("10.0.0.1")
        #expect(admission.connection(from: "10.0.0.1", now: 0) == .admit)
        #expect(admission.openConnections == 3)
    }

    @Test func totalCap() {
        var admission = ConnectionAdmission(limits: .init(total: 2, perAddress: 10, newPerMinute: 100))
        #expect(admission.connection(from: "a", now: 0) == .admit)
        #expect(admission.connection(from: "b", now: 0) == .admit)
        #expect(admission.connection(from: "c", now: 0) != .admit)
    }

    @Test func newConnectionsPerMinute() {
        var admission = ConnectionAdmission(limits: .init(total: 100, perAddress: 100, newPerMinute: 3))
        for _ in 0..<3 {
            #expect(admission.connection(from: "a", now: 0) == .admit)
            admission.closed("a")
        }
        #expect(admission.connection(from: "a", now: 30) != .admit)
        #expect(admission.connection(from: "a", now: 61) == .admit)
    }

    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "0:0:0:0::/64"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::9", "2001:db8:1:2::/64"),
        ("::ffff:10.1.2.3", "10.1.2.3"),
    ])
    func addressBlocks(ip: String, block: String) {
        #expect(ConnectionAdmission.addressBlock(of: ip) == block)
    }
}
