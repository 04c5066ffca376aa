import ChatCore
import Foundation
import Logging
import NIOCore
import SecureChatStore
import SecureChatTLS
import Synchronization

/// What the operator can ask of a running server, through the control socket or a signal: its status, who is
/// online, removing a user, and reloading the settings and TLS files.
final class ServerOperations: Sendable {
    static let version = "0.1.0"

    let environment: SessionEnvironment
    private let tlsContext: TLSContextHolder
    let gate: ConnectionGate
    private let reloader: SettingsReloader
    let levels: LogLevelSwitch
    private let notifier: SystemdNotifier
    let node: @Sendable () -> UInt16
    let started = Date()
    /// The settings in force, live ones as the last reload left them.
    private let current: Mutex<ServerConfiguration>
    /// One reload at a time; one asked for meanwhile (SIGHUP, `reload`) runs once the current one ends, so an edit
    /// saved during a reload is read.
    private let reloading = Mutex(ReloadState())

    private struct ReloadState {
        var busy = false
        var again = false
    }
    let logger: Logger

    init(
        configuration: ServerConfiguration,
        environment: SessionEnvironment,
        tlsContext: TLSContextHolder,
        gate: ConnectionGate,
        reloader: SettingsReloader,
        levels: LogLevelSwitch,
        notifier: SystemdNotifier,
        node: @escaping @Sendable () -> UInt16,
        logger: Logger
    ) {
        self.current = Mutex(configuration)
        self.environment = environment
        self.tlsContext = tlsContext
        self.gate = gate
        self.reloader = reloader
        self.levels = levels
        self.notifier = notifier
        self.node = node
        self.logger = logger
    }

    var configuration: ServerConfiguration { current.withLock { $0 } }

    func answer(_ command: ControlCommand) async -> ControlAnswer {
        switch command {
        case .status: return await status()
        case .who: return await who()
        case .kick(let name, let reason): return await kick(name, reason: reason)
        case .reload: return await reload()
        case .help: return .ok(ControlCommand.usage.map { "usage \($0)" })
        }
    }

    // MARK: reload

    /// Reads the settings (the configuration file and the command line) and the TLS files again, applies what can
    /// change while running, and closes the sessions whose certificates a new CRL revokes. On any problem nothing
    /// changes.
    func reload() async -> ControlAnswer {
        let began = reloading.withLock { state -> Bool in
            if state.busy {
                state.again = true
                return false
            }
            state.busy = true
            return true
        }
        guard began else {
            logger.notice("a reload is under way: the files are read again when it ends", metadata: ["event": "reload"])
            return .ok(["queued behind the reload under way; the log says how it went"])
        }
        var answer = await reloadOnce()
        while reloading.withLock({ state -> Bool in
            state.busy = state.again
            state.again = false
            return state.busy
        }) {
            answer = await reloadOnce()
        }
        return answer
    }

    private func reloadOnce() async -> ControlAnswer {
        notifier.reloading()
        defer { notifier.ready(status: "reloaded") }
        let outcome: SettingsReloader.Outcome
        do {
            outcome = try reloader.reload()
        } catch {
            environment.metrics.reloaded(false)
            logger.error("reload failed, keeping the current settings: \(error)", metadata: ["event": "reload"])
            return .error("reload failed, keeping the current settings: \(error)")
        }
        let next = outcome.configuration
        let fresh: TLSContext
        do {
            fresh = try tlsContext.reload(next.tls)
        } catch {
            environment.metrics.reloaded(false)
            logger.error("reload failed, keeping the current certificates: \(error)", metadata: ["event": "reload"])
            return .error("reload failed, keeping the current certificates and settings: \(error)")
        }
        environment.metrics.reloaded(true)
        let closed = await closeRevokedSessions(fresh)
        apply(next)
        reloader.accept(outcome)
        var lines = [
            "tls reloaded \(next.tls.filePaths.joined(separator: ", ")); \(closed) session(s) closed for revoked certificates"
        ]
        if !outcome.applied.isEmpty { lines.append("applied \(outcome.applied.joined(separator: ", "))") }
        if !outcome.needRestart.isEmpty {
            lines.append("needs-restart \(outcome.needRestart.joined(separator: ", "))")
            logger.warning(
                "changed settings that need a restart: \(outcome.needRestart.joined(separator: ", "))",
                metadata: ["event": "reload"]
            )
        }
        let files = next.tls.filePaths.joined(separator: ", ")
        let applied = outcome.applied.isEmpty ? "" : "; applied \(outcome.applied.joined(separator: ", "))"
        logger.notice(
            "reloaded TLS files: \(files); \(closed) session(s) closed for revoked certificates\(applied)",
            metadata: ["event": "reload"]
        )
        return .ok(lines)
    }

    /// Puts the live settings of `next` in force; the others keep their values until a restart.
    private func apply(_ next: ServerConfiguration) {
        levels.level = next.logLevel
        gate.update(limits: next.admission)
        environment.limits = SessionEnvironment.Limits(next)
        current.withLock { current in
            current.tls = next.tls
            current.logLevel = next.logLevel
            current.admission = next.admission
            current.loginTimeout = next.loginTimeout
            current.rateBurst = next.rateBurst
            current.ratePerSecond = next.ratePerSecond
            current.historyDays = next.historyDays
        }
    }

    private func closeRevokedSessions(_ fresh: TLSContext) async -> Int {
        let revoked = environment.delivery.connections(withCertificate: { fresh.isRevoked($0) })
        for (connection, certificate) in revoked {
            logger.notice(
                "closing a session whose client certificate is now revoked",
                metadata: [
                    "event": "revoked",
                    "conn": "\(connection)",
                    "cert": "CN=\(certificate.commonName ?? "?") serial \(certificate.serialNumber)",
                ]
            )
            // Out of the room before the close, so the others hear why instead of "unexpectedly".
            await environment.service.expel(connection, because: .certificateRevoked)
            let reason = "your client certificate has been revoked"
            environment.delivery.deliver([.notice(reason), .bye(reason)], to: [connection])
            environment.delivery.close(connection)
        }
        return revoked.count
    }
}

extension TLSConfiguration {
    /// The files a reload reads again.
    var filePaths: [String] {
        [certificateChainPath, privateKeyPath, trustRootsPath, crlPath].compactMap { $0 }
    }
}
