import ChatCore
import Logging
import NIOCore
import SecureChatTLS
import SecureChatWeb

/// Everything the server needs to run, with defaults that work after `make certs`.
struct ServerConfiguration: Sendable {
    /// Address to listen on.
    var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free one (the bound port is logged).
    var port: Int = 7443
    /// TLS settings: certificate, key, CA, CRL, client-certificate mode and handshake timeout.
    var tls: TLSConfiguration
    /// Where the data lives: an SQLite file, or a PostgreSQL server as a `postgres://` (or `postgresql://`) URL.
    var database: String = "data/securechat.sqlite"
    /// How long history is kept, in days.
    var historyDays: Int = 30
    /// The least severe level logged.
    var logLevel: Logger.Level = .info
    /// The longest line accepted from a client, in bytes.
    var maximumLineLength: Int = 4096

    /// What the framer lets through: a `seal` line may be longer than other lines (``ConnectionSession`` holds the
    /// others to ``maximumLineLength``).
    var framedLineLength: Int { max(maximumLineLength, ProtocolLimits.maximumSealedLineBytes) }
    /// How long a client may take to log in after the handshake.
    var loginTimeout: TimeAmount = .seconds(60)
    /// Silence after which a connection is probed with `PING`, and then dropped after as long again.
    var idleTimeout: TimeAmount = .seconds(150)
    /// Outbound bytes queued for one connection beyond which it is dropped as a slow reader.
    var outboundQueueLimit: Int = 1024 * 1024
    /// Connection caps applied before any TLS work.
    var admission = ConnectionAdmission.Limits()
    /// Lines a user may send at once.
    var rateBurst: Double = 10
    /// Lines per second a user may send after the burst.
    var ratePerSecond: Double = 5
    /// Number of event loops (threads) serving connections.
    var eventLoops: Int = System.coreCount
    /// Whether this server is one node of a cluster on its PostgreSQL database (docs/CLUSTER.md).
    var cluster = false
    /// How long a node may go without a heartbeat before the other nodes remove it and free its users' names.
    var clusterLease: Duration = .seconds(10)
    /// The operator's Unix socket (`securechat-ctl`), if any.
    var controlSocket: String?
    /// Where Prometheus scrapes `/metrics`, if anywhere.
    var metricsListen: ListenAddress?
    /// The web side's settings, or nil with `--web off`. When on, TLS offers ALPN `http/1.1` for it.
    var web: WebSettings? = WebSettings(maximumMessageLength: 4096)
}
