/// Makes and checks password hashes for ``ChatService`` (slow on purpose: an implementation runs them off the
/// threads that carry connections). The server's uses OpenSSL's scrypt, which ChatCore cannot import.
public protocol PasswordHasher: Sendable {
    /// A new salted hash of `password`, as stored.
    func hash(_ password: String) async -> String
    /// Whether `password` matches the stored `hash`.
    func verify(_ password: String, against hash: String) async -> Bool
}
