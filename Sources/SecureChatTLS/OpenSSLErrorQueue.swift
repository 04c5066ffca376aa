internal import COpenSSL

/// One entry of OpenSSL's thread-local error queue.
package struct OpenSSLErrorEntry: Sendable {
    /// The library that raised the error (`ERR_GET_LIB`), for example `ERR_LIB_SSL`.
    package let library: Int32
    /// OpenSSL's reason code (`ERR_GET_REASON`), for example `SSL_R_NO_SHARED_CIPHER`.
    package let reason: Int32
    /// The reason alone in words ("no shared cipher").
    package let reasonText: String
    /// The full line as `ERR_error_string_n` prints it, plus any extra data OpenSSL attached.
    package let line: String

    /// Whether this entry is `reason` raised by `library`.
    package func matches(library: Int32, reason: Int32) -> Bool {
        self.library == library && self.reason == reason
    }
}

/// Reads OpenSSL's error queue. Call ``clear()`` before every OpenSSL call whose failure is examined, and
/// ``drain()`` right after the failure, on the same thread.
package enum OpenSSLErrorQueue {
    package static func clear() {
        ERR_clear_error()
    }

    package static func drain() -> [OpenSSLErrorEntry] {
        var entries: [OpenSSLErrorEntry] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 {
                return entries
            }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 {
                line += " (" + String(cString: data) + ")"
            }
            let reasonText = ERR_reason_error_string(code).map { String(cString: $0) } ?? line
            entries.append(
                OpenSSLErrorEntry(
                    library: ERR_GET_LIB(code),
                    reason: ERR_GET_REASON(code),
                    reasonText: reasonText,
                    line: line
                )
            )
        }
    }
}
