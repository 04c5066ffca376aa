public import CoreMetrics

/// What the chat counts for the operator: messages by kind, messages queued for offline users, logins by kind.
/// Counted through swift-metrics, with the factory given (the server's Prometheus one when metrics are on); with
/// swift-metrics' default no-op factory counting costs a call that does nothing.
public struct ChatMetrics: Sendable {
    private let chat: Counter
    private let privateMessages: Counter
    private let broadcasts: Counter
    private let queued: Counter
    private let guestLogins: Counter
    private let passwordLogins: Counter
    private let certificateLogins: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        func messages(_ kind: String) -> Counter {
            Counter(label: "securechat_messages_total", dimensions: [("kind", kind)], factory: factory)
        }
        func logins(_ kind: String) -> Counter {
            Counter(label: "securechat_logins_total", dimensions: [("kind", kind)], factory: factory)
        }
        chat = messages("chat")
        privateMessages = messages("private")
        broadcasts = messages("broadcast")
        queued = Counter(label: "securechat_offline_queued_total", factory: factory)
        guestLogins = logins("guest")
        passwordLogins = logins("password")
        certificateLogins = logins("certificate")
    }

    func countChat(_ lines: Int) { chat.increment(by: Int64(lines)) }
    func countPrivate(_ messages: Int) { privateMessages.increment(by: Int64(messages)) }
    func countBroadcast() { broadcasts.increment() }
    func countQueued(_ messages: Int) { queued.increment(by: Int64(messages)) }

    func countLogin(_ identity: IdentityKind) {
        switch identity {
        case .guest: guestLogins.increment()
        case .registered: passwordLogins.increment()
        case .certificate: certificateLogins.increment()
        }
    }
}
