import MetricsTestKit
import Testing

@testable import ChatCore

/// What the service counts for the operator, read back from swift-metrics' test backend.
@Suite struct ChatMetricsTests {
    @Test func messagesLoginsAndQueuedMessagesAreCountedByKind() async throws {
        let metrics = TestMetrics()
        let fixture = ServiceFixture(metrics: ChatMetrics(factory: metrics))
        try await fixture.registered("dave")
        try await fixture.certificate("carol")
        var alice = try await fixture.join("alice", on: 1)
        var carol = try await fixture.join("carol", as: .certificate, on: 2)
        var dave = try await fixture.join("Dave", as: .registered, on: 3)

        fixture.service.say(["one", "two"], from: alice)
        _ = await fixture.service.perform(.send(to: name("carol"), text: "hi"), for: &alice)
        _ = await fixture.service.perform(.send(to: name("nobody"), text: "hi"), for: &alice)
        _ = await fixture.service.perform(.broadcastAll(text: "all"), for: &alice)
        await fixture.service.leave(&dave, because: .tata)
        _ = await fixture.service.perform(.send(to: name("dave"), text: "later"), for: &carol)
        _ = try await fixture.settledMessages()

        func counter(_ label: String, _ dimensions: [(String, String)] = []) throws -> Int64 {
            try metrics.expectCounter(label, dimensions).totalValue
        }
        #expect(try counter("securechat_messages_total", [("kind", "chat")]) == 2)
        #expect(try counter("securechat_messages_total", [("kind", "private")]) == 2)  // the unknown user's is not
        #expect(try counter("securechat_messages_total", [("kind", "broadcast")]) == 1)
        #expect(try counter("securechat_offline_queued_total") == 1)
        #expect(try counter("securechat_logins_total", [("kind", "guest")]) == 1)
        #expect(try counter("securechat_logins_total", [("kind", "certificate")]) == 1)
        #expect(try counter("securechat_logins_total", [("kind", "password")]) == 1)
    }
}
