@testable import SecureChatTLS

/// Two `TLSConnection`s talking through memory: each handshake step's ciphertext handed straight to the other.
enum InMemoryHandshake {
    struct Stalled: Error {}

    static func run(_ client: TLSConnection, _ server: TLSConnection) throws {
        var clientDone = false
        var serverDone = false
        for _ in 0..<10 where !(clientDone && serverDone) {
            clientDone = try step(client) || clientDone
            pump(from: client, to: server)
            serverDone = try step(server) || serverDone
            pump(from: server, to: client)
        }
        guard clientDone, serverDone else {
            throw Stalled()
        }
    }

    private static func step(_ connection: TLSConnection) throws -> Bool {
        switch connection.handshake() {
        case .incomplete: return false
        case .complete: return true
        case .failed(let error): throw error
        }
    }

    static func pump(from sender: TLSConnection, to receiver: TLSConnection) {
        if let bytes = sender.drainCiphertext() {
            receiver.receive(bytes)
        }
    }
}
