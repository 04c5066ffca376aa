/// What one successful `SSL_read` produced.
enum TLSReadOutcome: Equatable {
    /// This many plaintext bytes were appended to the buffer.
    case bytes(Int)
    /// The peer sent close_notify: it will send no more data.
    case closeNotify
}
