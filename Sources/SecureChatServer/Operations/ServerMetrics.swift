import ChatCore
import CoreMetrics
import SecureChatTLS

/// What the server counts for the operator beyond the chat's own (``ChatMetrics``): connections, TLS handshakes,
/// login refusals, lines, deliveries, slow readers, rate limits and reloads. Every metric exists from the start
/// (at 0), so a scrape shows the whole set and a rate over it needs no special case.
///
/// Made once, after the metrics backend is chosen; without one (no `--metrics-listen`) every count is a call that
/// does nothing.
final class ServerMetrics: Sendable {
    private let connectionsOpen: Meter
    private let connectionsRefused: [ConnectionAdmission.Limit: Counter]
    private let handshakesOK: Counter
    private let handshakesFailed: [String: Counter]
    private let handovers: Counter
    private let loginRefusals: [String: Counter]
    private let linesReceived: Counter
    /// Lines handed to recipients (one line to one recipient is one), counted by the delivery sink.
    let deliveries: Counter
    private let slowReaderDrops: Counter
    private let rateLimitedLines: Counter
    private let floodDisconnects: Counter
    private let reloadsOK: Counter
    private let reloadsFailed: Counter
    let chat: ChatMetrics

    /// The kinds of handshake failure counted apart; anything else counts as `other`.
    static let handshakeFailures = TLSError.handshakeFailureKinds + ["closed", "other"]

    init(version: String, factory: any MetricsFactory = MetricsSystem.factory) {
        connectionsOpen = Meter(label: "securechat_connections_open", factory: factory)
        connectionsRefused = Dictionary(
            uniqueKeysWithValues: ConnectionAdmission.Limit.allCases.map { limit in
                (
                    limit,
                    Counter(
                        label: "securechat_connections_refused_total",
                        dimensions: [("limit", limit.rawValue)],
                        factory: factory
                    )
                )
            }
        )
        handshakesOK = Counter(
            label: "securechat_tls_handshakes_total",
            dimensions: [("result", "ok")],
            factory: factory
        )
        handshakesFailed = Dictionary(
            uniqueKeysWithValues: Self.handshakeFailures.map { reason in
                (
                    reason,
                    Counter(
                        label: "securechat_tls_handshakes_total",
                        dimensions: [("result", "failed"), ("reason", reason)],
                        factory: factory
                    )
                )
            }
        )
        handovers = Counter(label: "securechat_tls_handovers_total", factory: factory)
        loginRefusals = Dictionary(
            uniqueKeysWithValues: ProtocolError.Code.allCases.map { code in
                (
                    code.wireName,
                    Counter(
                        label: "securechat_login_refusals_total",
                        dimensions: [("code", code.wireName)],
                        factory: factory
                    )
                )
            }
        )
        linesReceived = Counter(label: "securechat_lines_received_total", factory: factory)
        deliveries = Counter(label: "securechat_deliveries_total", factory: factory)
        slowReaderDrops = Counter(label: "securechat_slow_reader_drops_total", factory: factory)
        rateLimitedLines = Counter(label: "securechat_rate_limited_lines_total", factory: factory)
        floodDisconnects = Counter(label: "securechat_flood_disconnects_total", factory: factory)
        reloadsOK = Counter(
            label: "securechat_certificate_reloads_total",
            dimensions: [("result", "ok")],
            factory: factory
        )
        reloadsFailed = Counter(
            label: "securechat_certificate_reloads_total",
            dimensions: [("result", "failed")],
            factory: factory
        )
        chat = ChatMetrics(factory: factory)
        Gauge(label: "securechat_build_info", dimensions: [("version", version)], factory: factory).record(1)
    }

    func connectionOpened() { connectionsOpen.increment() }
    func connectionClosed() { connectionsOpen.decrement() }
    func lineReceived() { linesReceived.increment() }
    func slowReaderDropped() { slowReaderDrops.increment() }
    func lineRateLimited() { rateLimitedLines.increment() }
    func floodDisconnected() { floodDisconnects.increment() }

    func refused(_ limit: ConnectionAdmission.Limit) {
        connectionsRefused[limit]?.increment()
    }

    func handshakeSucceeded() {
        handshakesOK.increment()
    }

    /// A TLS 1.3 connection whose records the server now protects itself (docs/TLS.md).
    func recordLayerHandedOver() {
        handovers.increment()
    }

    /// A handshake that failed for `reason` (``TLSError/kind``, or `closed` when the peer left before finishing).
    func handshakeFailed(_ reason: String) {
        (handshakesFailed[reason] ?? handshakesFailed["other"])?.increment()
    }

    func loginRefused(_ code: ProtocolError.Code) {
        loginRefusals[code.wireName]?.increment()
    }

    func reloaded(_ succeeded: Bool) {
        (succeeded ? reloadsOK : reloadsFailed).increment()
    }
}
