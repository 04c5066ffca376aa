/// What the content of one decrypted TLS 1.3 record means after the handshake, as a pure value: the record's
/// `TLSInnerPlaintext` goes in, what to do comes out. No cryptography, no I/O; ``TLS13RecordLayer`` interprets it.
///
/// After the handshake a server may receive application data, alerts and one handshake message, `KeyUpdate` (RFC 8446,
/// 4.6.3); post-handshake authentication is never requested and clients send no tickets, so any other handshake
/// message is unexpected. Handshake messages may be split across records but may not be interleaved with other
/// records or span a key change, so a `KeyUpdate` must end its record (RFC 8446, 5.1).
struct TLS13InnerContent {
    enum ContentType: UInt8 {
        case changeCipherSpec = 20
        case alert = 21
        case handshake = 22
        case applicationData = 23
    }

    enum Action: Equatable {
        /// The record carried `count` bytes of application data, at the front of the inner plaintext.
        case applicationData(count: Int)
        /// Nothing to do: an empty application data record, part of a handshake message, user_canceled.
        case none
        /// The peer sent close_notify.
        case closeNotify
        /// The peer updated its keys: update the read key; when `requested`, update ours before the next write.
        case keyUpdate(requested: Bool)
        /// The peer sent an error alert; the connection is over (nothing is sent back).
        case peerAlert(UInt8)
        /// The peer broke the protocol: send `alert`, then close.
        case fail(TLS13Alert, String)
    }

    /// TLS's limit on a record's plaintext (RFC 8446, 5.1).
    static let maximumPlaintext = 1 << 14
    /// The handshake message header: type (1) and length (3).
    private static let handshakeHeaderLength = 4
    private static let keyUpdateType: UInt8 = 24

    /// The start of a handshake message split across records; at most one KeyUpdate's 5 bytes, since any other
    /// type fails as soon as its type byte is seen.
    private(set) var partialHandshake: [UInt8] = []

    /// Interprets one record's inner plaintext: content, then the content type, then zero padding.
    mutating func received(_ inner: UnsafeRawBufferPointer) -> Action {
        guard let typeIndex = inner.lastIndex(where: { $0 != 0 }) else {
            return .fail(.unexpectedMessage, "a record with no content type (all padding)")
        }
        let content = UnsafeRawBufferPointer(rebasing: inner[..<typeIndex])
        guard content.count <= Self.maximumPlaintext else {
            return .fail(.recordOverflow, "a record with \(content.count) bytes of plaintext (more than 2^14)")
        }
        guard let type = ContentType(rawValue: inner[typeIndex]) else {
            return .fail(.unexpectedMessage, "a record of unknown content type \(inner[typeIndex])")
        }
        if type != .handshake, !partialHandshake.isEmpty {
            return .fail(.unexpectedMessage, "a record of another type inside a handshake message")
        }
        switch type {
        case .applicationData:
            return .applicationData(count: content.count)
        case .alert:
            return alert(content)
        case .handshake:
            return handshake(content)
        case .changeCipherSpec:
            return .fail(.unexpectedMessage, "a protected change_cipher_spec record")
        }
    }

    private func alert(_ content: UnsafeRawBufferPointer) -> Action {
        guard content.count == 2 else {
            // Alerts may be neither split nor coalesced in TLS 1.3 (RFC 8446, 5.1).
            return .fail(.decodeError, "an alert record of \(content.count) bytes")
        }
        switch content[1] {
        case TLS13Alert.closeNotify.rawValue:
            return .closeNotify
        case TLS13Alert.userCanceled.rawValue:
            return .none  // a closure alert; close_notify should follow (RFC 8446, 6.1)
        default:
            return .peerAlert(content[1])
        }
    }

    private mutating func handshake(_ content: UnsafeRawBufferPointer) -> Action {
        guard !content.isEmpty else {
            return .fail(.unexpectedMessage, "an empty handshake record")
        }
        partialHandshake += content
        if partialHandshake[0] != Self.keyUpdateType {
            let type = partialHandshake[0]
            partialHandshake = []
            return .fail(.unexpectedMessage, "handshake message \(Self.name(ofHandshake: type)) after the handshake")
        }
        guard partialHandshake.count >= Self.handshakeHeaderLength + 1 else {
            if partialHandshake.count >= Self.handshakeHeaderLength, bodyLength != 1 {
                partialHandshake = []
                return .fail(.decodeError, "a KeyUpdate whose body is not 1 byte")
            }
            return .none
        }
        let message = partialHandshake
        partialHandshake = []
        guard bodyLength(of: message) == 1 else {
            return .fail(.decodeError, "a KeyUpdate whose body is not 1 byte")
        }
        guard message.count == Self.handshakeHeaderLength + 1 else {
            return .fail(.unexpectedMessage, "data after a KeyUpdate in the same record")
        }
        switch message[Self.handshakeHeaderLength] {
        case 0: return .keyUpdate(requested: false)
        case 1: return .keyUpdate(requested: true)
        case let value: return .fail(.illegalParameter, "a KeyUpdate with request_update \(value)")
        }
    }

    private var bodyLength: Int { bodyLength(of: partialHandshake) }

    private func bodyLength(of message: [UInt8]) -> Int {
        Int(message[1]) << 16 | Int(message[2]) << 8 | Int(message[3])
    }

    private static func name(ofHandshake type: UInt8) -> String {
        switch type {
        case 1: "ClientHello"
        case 2: "ServerHello"
        case 4: "NewSessionTicket"
        case 5: "EndOfEarlyData"
        case 8: "EncryptedExtensions"
        case 11: "Certificate"
        case 13: "CertificateRequest"
        case 15: "CertificateVerify"
        case 20: "Finished"
        case 24: "KeyUpdate"
        default: "type \(type)"
        }
    }
}
