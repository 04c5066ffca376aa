import SecureChatTLS

/// OpenSSL's error queue as one line of reasons.
enum OpenSSLErrorQueueReasons {
    static func clear() {
        OpenSSLErrorQueue.clear()
    }

    static func drain() -> String {
        var seen: [String] = []
        for entry in OpenSSLErrorQueue.drain() where !seen.contains(entry.reasonText) {
            seen.append(entry.reasonText)
        }
        return seen.joined(separator: "; ")
    }
}
