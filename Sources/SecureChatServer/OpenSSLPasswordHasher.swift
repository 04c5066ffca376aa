import ChatCore
import SecureChatTLS

/// ``PasswordHasher`` over ``PasswordHash`` (OpenSSL's scrypt), run in detached tasks: a hash takes tens of
/// milliseconds and must not hold up the tasks that carry connections.
struct OpenSSLPasswordHasher: PasswordHasher {
    func hash(_ password: String) async -> String {
        await Task.detached { PasswordHash.make(password: password) }.value
    }

    func verify(_ password: String, against hash: String) async -> Bool {
        await Task.detached { PasswordHash.verify(password: password, against: hash) }.value
    }
}
