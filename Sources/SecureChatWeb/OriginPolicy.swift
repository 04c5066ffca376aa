/// Which pages may open a chat in their user's name: a browser sends the page's origin with every WebSocket
/// handshake, and a page of another site must not reach the chat with the user's client certificate (cross-site
/// WebSocket hijacking).
public struct OriginPolicy: Sendable {
    private let allowed: Set<String>

    /// A policy that accepts the server's own origin and `allowedOrigins` (compared without case and without a
    /// trailing `/`).
    public init(allowedOrigins: [String]) {
        self.allowed = Set(allowedOrigins.map(Self.normalised))
    }

    /// Why a handshake from `origin` for a server reached as `host` is refused, or nil when it is allowed.
    ///
    /// No `Origin` at all is allowed: browsers always send it, and a program that does not can claim any origin it
    /// likes, so refusing it would protect nobody. The server's own origin is `https://` and the `Host` header (the
    /// browser writes both from the address it connected to).
    public func refusal(origin: String?, host: String?) -> String? {
        guard let origin else { return nil }
        let given = Self.normalised(origin)
        if let host, !host.isEmpty, given == Self.normalised("https://" + host) { return nil }
        if allowed.contains(given) { return nil }
        return "pages from \(Self.printable(origin)) may not open this chat"
    }

    /// Whether `origin` is written as an `https://` origin: a host (and port), no path. A page served over plain
    /// HTTP could be changed by anyone on its way, so none is ever allowed to use the browser's certificate.
    public static func isValid(_ origin: String) -> Bool {
        let lower = normalised(origin)
        guard lower.hasPrefix("https://") else { return false }
        let rest = lower.dropFirst("https://".count)
        return !rest.isEmpty && !rest.contains("/") && !rest.contains(where: { $0 == " " || $0.isNewline })
    }

    /// Lower case, without a trailing `/` or the default port (browsers leave it out of `Origin` and `Host`).
    static func normalised(_ origin: String) -> String {
        var origin = origin.lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        if origin.hasSuffix(":443") { origin.removeLast(4) }
        return origin
    }

    /// A client's origin as it may go into an answer: printable ASCII only, at most 100 characters.
    private static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.prefix(100).map { (0x21...0x7E).contains($0.value) ? $0 : "?" }
            )
        )
    }
}
