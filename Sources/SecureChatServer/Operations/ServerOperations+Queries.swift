import ChatCore
import Foundation
import Logging
import NIOCore
import SecureChatStore
import SecureChatTLS

/// The operator's questions and `kick`, and how their answers put times, durations and addresses.
extension ServerOperations {
    func status() async -> ControlAnswer {
        let configuration = self.configuration
        let uptime = Int(Date().timeIntervalSince(started))
        // Every node's users, in a cluster (from the shared directory).
        let everyone = try? await environment.service.online()
        let here = node()
        let loggedIn = everyone.map { "\($0.count { $0.connection.node == here })" } ?? "?"
        let online = everyone.map { "\($0.count) online" } ?? "unknown (no answer)"
        var lines = [
            "version \(Self.version)",
            "started \(Self.timestamp(started)) (uptime \(Self.duration(uptime)))",
            "node \(here)\(configuration.cluster ? " of a cluster" : " (alone)")",
            "connections \(gate.openConnections) open, \(loggedIn) logged in",
            "users \(online)",
            "database \(Self.describeDatabase(configuration.database))",
            "log-level \(levels.level)",
        ]
        let tls = configuration.tls
        let files: [(String, String?)] = [("certificate", tls.certificateChainPath), ("ca", tls.trustRootsPath)]
        for case let (what, path?) in files {
            let certificates = CertificateFile.summaries(atPath: path)
            if certificates.isEmpty { lines.append("\(what) \(path): no certificate readable") }
            for certificate in certificates {
                let name = certificate.commonName.map { "CN=\($0)" } ?? "(no CN)"
                let expiry = certificate.notAfter.map { date -> String in
                    let days = Int(date.timeIntervalSinceNow / 86_400)
                    return date < Date()
                        ? "expired \(Self.timestamp(date))" : "expires \(Self.timestamp(date)) (in \(days) days)"
                }
                lines.append("\(what) \(path) \(name) \(expiry ?? "with no expiry date")")
            }
        }
        if let path = tls.crlPath { lines.append(Self.describeCRL(at: path)) }
        return .ok(lines)
    }

    func who() async -> ControlAnswer {
        let everyone: [PresenceEntry]
        do {
            everyone = try await environment.service.online()
        } catch {
            return .error("cannot read who is online: \(error)")
        }
        let here = node()
        let lines = everyone.sorted { $0.name < $1.name }.map { entry -> String in
            var line = "user \(entry.name.display) node=\(entry.connection.node) conn=\(entry.connection)"
            // Where a user connects from is known only on the node that holds them.
            let peer = entry.connection.node == here ? environment.delivery.peer(of: entry.connection) : nil
            if let peer { line += " address=\(Self.describe(peer.address))" }
            if let since = entry.since { line += " since=\(Self.timestamp(since))" }
            line +=
                peer?.certificate.map { " certificate=CN=\($0.commonName ?? "?")" } ?? " \(entry.identity.rawValue)"
            return line
        }
        return .ok(lines + ["users \(everyone.count)"])
    }

    /// Removes a user on this node, or asks the node of the cluster that holds them to.
    func kick(_ typed: String, reason: String?) async -> ControlAnswer {
        guard case .success(let name) = Username.validate(typed) else {
            return .error("'\(typed.prefix(40))' is not a user name")
        }
        let removal: Removal
        do {
            removal = try await environment.service.remove(name, reason: reason)
        } catch {
            return .error("cannot remove \(name.display): \(error)")
        }
        let words = reason.map { TextSanitizer.sanitize($0).trimmingCharacters(in: .whitespaces) } ?? ""
        let said = words.isEmpty ? "" : ": \(words)"
        switch removal {
        case .notOnline:
            return .error("\(name.display) is not online")
        case .removed(let holder):
            logger.notice(
                "removed \(holder.name.display) at the operator's request\(said)",
                metadata: ["event": "kick", "conn": "\(holder.connection)", "user": "\(holder.name.display)"]
            )
            return .ok(["kicked \(holder.name.display) conn=\(holder.connection)"])
        case .forwarded(let holder):
            logger.notice(
                "asked node \(holder.connection.node) to remove \(holder.name.display) at the operator's request\(said)",
                metadata: ["event": "kick", "conn": "\(holder.connection)", "user": "\(holder.name.display)"]
            )
            return .ok(["forwarded \(holder.name.display) conn=\(holder.connection) to node \(holder.connection.node)"])
        }
    }

    /// Past its next update OpenSSL refuses every client certificate checked against a CRL: say when that is.
    private static func describeCRL(at path: String) -> String {
        guard let crl = CertificateFile.crlSummary(atPath: path) else { return "crl \(path): not readable" }
        let issuer = crl.issuer.map { "CN=\($0)" } ?? "(no CN)"
        let next = crl.nextUpdate.map { date -> String in
            date < Date()
                ? "STALE since \(timestamp(date)): every client certificate is refused until a new one is loaded"
                : "next update \(timestamp(date)) (in \(Int(date.timeIntervalSinceNow / 86_400)) days)"
        }
        return "crl \(path) \(issuer) revokes \(crl.revoked), \(next ?? "with no next update")"
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    static func duration(_ seconds: Int) -> String {
        let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60)
        if days > 0 { return "\(days)d \(hours)h \(minutes)m" }
        if hours > 0 { return "\(hours)h \(minutes)m \(seconds % 60)s" }
        return "\(minutes)m \(seconds % 60)s"
    }

    private static func describeDatabase(_ database: String) -> String {
        guard PostgresStoreConfiguration.isPostgresURL(database) else { return "sqlite \(database)" }
        let redacted = (try? PostgresStoreConfiguration(url: database, environment: [:]))?.redacted
        return "postgresql \(redacted ?? "(url not shown)")"
    }

    private static func describe(_ address: NIOCore.SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "?" }
        return address.protocol == .inet6 ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
    }
}
