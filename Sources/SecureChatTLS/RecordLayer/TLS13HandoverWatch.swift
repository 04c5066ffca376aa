/// What a server connection learns from OpenSSL during the handshake that it needs to take the record layer over
/// afterwards, as a pure value fed by OpenSSL's key-log and message callbacks (``TLSConnection/handOver()``).
///
/// - The application traffic secrets, from the key log (`CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0`): OpenSSL
///   3.0 has no other API that gives them (`SSL_export_keying_material` derives from the exporter secret instead).
/// - The sequence numbers: each protected record OpenSSL writes or reads is reported with its inner content type.
///   Records written after our `Finished` (session tickets, the first lines we send) are the server application key's;
///   records read after the client's `Finished` are the client application key's. Counting those gives both sequence
///   numbers at the handover without looking into OpenSSL's structures.
/// - Whether the keys are still the first ones: a `KeyUpdate` either way before the handover changes a key that the
///   key log never reports, so such a connection stays with OpenSSL (``refusal``).
struct TLS13HandoverWatch {
    private(set) var clientSecret: SecretBytes?
    private(set) var serverSecret: SecretBytes?
    /// Our `Finished` was written: later records use the server application key.
    private(set) var serverFinishedWritten = false
    /// The client's `Finished` was read: later records use the client application key.
    private(set) var clientFinishedRead = false
    /// Records written under the server application key.
    private(set) var recordsWritten: UInt64 = 0
    /// Records read under the client application key.
    private(set) var recordsRead: UInt64 = 0
    /// Why this connection cannot be handed over, once that is known.
    private(set) var refusal: String?

    /// OpenSSL's `SSL3_RT_HANDSHAKE`, `SSL3_RT_INNER_CONTENT_TYPE`, and the handshake message types watched.
    static let handshakeContent: Int32 = 22
    static let innerContentType: Int32 = 0x101
    private static let finished: UInt8 = 20
    private static let newSessionTicket: UInt8 = 4

    /// One line of OpenSSL's key log (NSS key log format: label, client random, secret, in hex). Read in place: the
    /// line (which holds every handshake secret) is never copied.
    mutating func keyLogged(_ line: UnsafePointer<CChar>) {
        var length = 0
        while line[length] != 0 { length += 1 }
        let bytes = UnsafeRawBufferPointer(start: line, count: length)
        let fields = bytes.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard fields.count == 3 else { return }
        if fields[0].elementsEqual("CLIENT_TRAFFIC_SECRET_0".utf8) {
            clientSecret = Self.secret(fromHex: fields[2])
        } else if fields[0].elementsEqual("SERVER_TRAFFIC_SECRET_0".utf8) {
            serverSecret = Self.secret(fromHex: fields[2])
        }
    }

    /// One call of OpenSSL's message callback: `written` for our records, `contentType` OpenSSL's (a record type, or a
    /// pseudo type such as a record header or an inner content type), `bytes` what it reports.
    mutating func message(written: Bool, contentType: Int32, bytes: UnsafeRawBufferPointer) {
        switch contentType {
        case Self.innerContentType:
            if written, serverFinishedWritten {
                recordsWritten += 1
            } else if !written, clientFinishedRead {
                recordsRead += 1
                if bytes.first == UInt8(Self.handshakeContent) {
                    // OpenSSL may keep the first bytes of a split handshake message where nothing reports them.
                    refusal = "a handshake record received after Finished"
                }
            }
        case Self.handshakeContent:
            guard let type = bytes.first else { return }
            // The message callback for a handshake message comes after its record's, so the Finished record itself
            // is not counted.
            if written {
                if serverFinishedWritten, type != Self.newSessionTicket {
                    refusal = "handshake message \(type) sent after Finished"
                } else if type == Self.finished {
                    serverFinishedWritten = true
                }
            } else {
                if clientFinishedRead {
                    refusal = "handshake message \(type) received after Finished"
                } else if type == Self.finished {
                    clientFinishedRead = true
                }
            }
        default:
            break
        }
    }

    /// Both secrets are known and both Finished messages went by.
    var isComplete: Bool {
        clientSecret != nil && serverSecret != nil && serverFinishedWritten && clientFinishedRead
    }

    private static func secret(fromHex hex: Slice<UnsafeRawBufferPointer>) -> SecretBytes? {
        guard hex.count % 2 == 0, hex.allSatisfy({ nibble($0) != nil }) else { return nil }
        return SecretBytes.make(count: hex.count / 2) { space in
            for index in 0..<space.count {
                let high = hex[hex.startIndex + 2 * index]
                let low = hex[hex.startIndex + 2 * index + 1]
                space[index] = nibble(high)! << 4 | nibble(low)!
            }
        }
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
