/// The alerts the record layer sends or recognises (RFC 8446, 6).
enum TLS13Alert: UInt8, Sendable {
    case closeNotify = 0
    case unexpectedMessage = 10
    case badRecordMAC = 20
    case recordOverflow = 22
    case illegalParameter = 47
    case decodeError = 50
    case internalError = 80
    case userCanceled = 90

    /// The level byte: close_notify and user_canceled are closure alerts, sent as warnings as OpenSSL does; every
    /// other alert is fatal (RFC 8446, 6.2).
    var level: UInt8 {
        switch self {
        case .closeNotify, .userCanceled: 1
        default: 2
        }
    }

    /// The RFC's name, for logs.
    var name: String { Self.name(of: rawValue) }

    /// The RFC's name of any alert description, for logging what a peer sent.
    static func name(of description: UInt8) -> String {
        switch description {
        case 0: "close_notify"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 22: "record_overflow"
        case 40: "handshake_failure"
        case 42: "bad_certificate"
        case 43: "unsupported_certificate"
        case 44: "certificate_revoked"
        case 45: "certificate_expired"
        case 46: "certificate_unknown"
        case 47: "illegal_parameter"
        case 48: "unknown_ca"
        case 49: "access_denied"
        case 50: "decode_error"
        case 51: "decrypt_error"
        case 70: "protocol_version"
        case 71: "insufficient_security"
        case 80: "internal_error"
        case 86: "inappropriate_fallback"
        case 90: "user_canceled"
        case 109: "missing_extension"
        case 110: "unsupported_extension"
        case 112: "unrecognized_name"
        case 113: "bad_certificate_status_response"
        case 115: "unknown_psk_identity"
        case 116: "certificate_required"
        case 120: "no_application_protocol"
        default: "alert \(description)"
        }
    }
}
