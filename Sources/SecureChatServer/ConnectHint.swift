import SecureChatTLS

/// The line logged after `listening on …` that tells a newcomer how to connect, with this server's own host, port
/// and CA file filled in.
enum ConnectHint {
    static func line(host: String, port: Int, tls: TLSConfiguration, web: Bool) -> String {
        let target = clientHost(for: host)
        let portOption = port == 7443 ? "" : " --port \(port)"
        // The CA that signed the server certificate is not known to the server; the client CA is the usual guess
        // (it is with `make certs`).
        let ca =
            tls.trustRootsPath ?? "<the CA file that signed \(tls.certificateChainPath ?? "the server certificate")>"
        return "connect with: securechat-client \(target)\(portOption) --ca \(ca)"
            + "  or: openssl s_client -connect \(target):\(port) -CAfile \(ca) -quiet"
            + (web ? "  or a browser: https://\(target):\(port)/" : "")
    }

    /// The name a client on this machine uses: the wildcard and loopback addresses become `localhost`, which the
    /// development certificate names; an IPv6 literal gets brackets for `-connect`.
    static func clientHost(for host: String) -> String {
        switch host {
        case "0.0.0.0", "::", "127.0.0.1", "::1", "": "localhost"
        default: host.contains(":") ? "[\(host)]" : host
        }
    }
}
