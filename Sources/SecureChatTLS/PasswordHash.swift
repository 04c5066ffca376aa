internal import COpenSSL
import Foundation

/// Password hashing with scrypt (RFC 7914) through OpenSSL, for storing user passwords.
///
/// The encoded form is `scrypt$N$r$p$<salt base64>$<hash base64>`, for example
/// `scrypt$16384$8$1$…$…`, so the parameters can be raised later without breaking stored hashes.
public enum PasswordHash {
    static let costN: UInt64 = 16_384
    static let blockSizeR: UInt64 = 8
    static let parallelismP: UInt64 = 1
    static let saltLength = 16
    static let keyLength = 32
    /// scrypt needs about 128·N·r·p bytes: 16 MiB with the defaults, 128 MiB at the largest accepted cost.
    static let maximumMemory: UInt64 = 256 * 1024 * 1024

    /// Hashes `password` with a fresh random 16-byte salt and the default parameters (N 16384, r 8, p 1).
    public static func make(password: String) -> String {
        var salt = [UInt8](repeating: 0, count: saltLength)
        precondition(RAND_bytes(&salt, Int32(saltLength)) == 1, "RAND_bytes failed")
        let parameters = Parameters(n: costN, r: blockSizeR, p: parallelismP)
        guard let key = derive(password: password, salt: salt, parameters: parameters, length: keyLength) else {
            preconditionFailure("EVP_PBE_scrypt failed with the default parameters")
        }
        return [
            "scrypt", String(parameters.n), String(parameters.r), String(parameters.p),
            Data(salt).base64EncodedString(), Data(key).base64EncodedString(),
        ].joined(separator: "$")
    }

    /// Whether `password` matches `encoded` (made by ``make(password:)``). Malformed encodings and unreasonable
    /// parameters give `false`. The hashes are compared in constant time.
    public static func verify(password: String, against encoded: String) -> Bool {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "scrypt",
            let n = UInt64(fields[1]), let r = UInt64(fields[2]), let p = UInt64(fields[3]),
            let salt = Data(base64Encoded: String(fields[4])), !salt.isEmpty,
            let expected = Data(base64Encoded: String(fields[5])), (16...64).contains(expected.count)
        else {
            return false
        }
        let parameters = Parameters(n: n, r: r, p: p)
        guard parameters.isReasonable,
            let key = derive(password: password, salt: Array(salt), parameters: parameters, length: expected.count)
        else {
            return false
        }
        return key.withUnsafeBytes { computed in
            expected.withUnsafeBytes { stored in
                CRYPTO_memcmp(computed.baseAddress, stored.baseAddress, stored.count) == 0
            }
        }
    }

    struct Parameters {
        var n: UInt64
        var r: UInt64
        var p: UInt64

        /// Bounds a stored hash may not exceed, so a corrupted or hostile record cannot exhaust memory or CPU.
        var isReasonable: Bool {
            n >= 2 && n <= 1 << 20 && n & (n - 1) == 0 && (1...32).contains(r) && (1...16).contains(p)
                && n * r * p <= 1 << 20
        }
    }

    private static func derive(password: String, salt: [UInt8], parameters: Parameters, length: Int) -> [UInt8]? {
        var key = [UInt8](repeating: 0, count: length)
        let passwordBytes = Array(password.utf8)
        let result = passwordBytes.withUnsafeBufferPointer { passwordBuffer in
            passwordBuffer.withMemoryRebound(to: CChar.self) { passwordChars in
                EVP_PBE_scrypt(
                    passwordChars.baseAddress,
                    passwordChars.count,
                    salt,
                    salt.count,
                    parameters.n,
                    parameters.r,
                    parameters.p,
                    maximumMemory,
                    &key,
                    length
                )
            }
        }
        return result == 1 ? key : nil
    }
}
