/// The outcome of one OpenSSL call on a ``TLSConnection``: OpenSSL's return code and `SSL_get_error` folded into
/// three cases at the C boundary.
enum TLSOperationResult<Value> {
    /// OpenSSL needs more bytes from the peer (`SSL_ERROR_WANT_READ` / `SSL_ERROR_WANT_WRITE`).
    case incomplete
    /// The call finished.
    case complete(Value)
    /// The call failed; the error carries OpenSSL's error queue.
    case failed(TLSError)
}

extension TLSOperationResult: Equatable where Value: Equatable {}
