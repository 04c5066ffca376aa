@testable import SecureChatTLS

extension TLSOperationResult {
    /// Whether the operation finished (works for `Void` results, which are not `Equatable`).
    var isComplete: Bool {
        switch self {
        case .complete: true
        case .incomplete, .failed: false
        }
    }
}
