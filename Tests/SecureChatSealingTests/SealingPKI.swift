import Foundation

/// Users' certificates for the sealing tests, made by the `openssl` command in a temporary directory: alice, bob,
/// carol and dave from the CA `ca` (dave revoked in `ca.crl`), `old` with the key usages of certificates issued
/// before sealed messages, `brief` valid for one day, and `fakealice` (CN alice) from another CA.
final class SealingPKI: Sendable {
    let directory: URL

    private init(directory: URL) {
        self.directory = directory
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func certificate(_ name: String) -> String { path("\(name).crt") }
    func key(_ name: String) -> String { path("\(name).key") }

    /// Made once per test process (its directory outlives it: static values are never released), so the directories
    /// of test processes that are gone are removed first.
    static func make() throws -> SealingPKI {
        let temporary = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        where name.hasPrefix("securechat-seal-") {
            if let pid = Int32(name.dropFirst("securechat-seal-".count)), kill(pid, 0) == 0 { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
        let directory = temporary.appendingPathComponent("securechat-seal-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pki = SealingPKI(directory: directory)
        try pki.shell(script)
        return pki
    }

    /// Runs `script` with bash in the directory; throws with its error output when it fails.
    @discardableResult
    func shell(_ script: String, input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -euo pipefail\n" + script]
        process.currentDirectoryURL = directory
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ShellError(message: String(decoding: message, as: UTF8.self))
        }
        return result
    }

    struct ShellError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private static let script = #"""
        cat > ext.cnf <<'END'
        [user]
        basicConstraints = critical, CA:false
        keyUsage = critical, digitalSignature, keyAgreement
        extendedKeyUsage = clientAuth, emailProtection
        [authority]
        basicConstraints = critical, CA:true
        keyUsage = critical, keyCertSign, cRLSign
        [old]
        basicConstraints = critical, CA:false
        keyUsage = critical, digitalSignature
        extendedKeyUsage = clientAuth
        END
        cat > ca.cnf <<END
        [ca]
        default_ca = test
        [test]
        database = index.txt
        crlnumber = crlnumber
        serial = serial
        new_certs_dir = .
        certificate = ca.crt
        private_key = ca.key
        default_md = sha256
        default_crl_days = 30
        policy = any
        unique_subject = no
        [any]
        commonName = supplied
        END
        : > index.txt
        echo 1000 > crlnumber
        echo 1000 > serial
        authority() {
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.crt" \
                -subj "/CN=$1" -days 30 -addext basicConstraints=critical,CA:true \
                -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        }
        user() { # CA FILE CN EXTENSIONS DAYS
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$2.key" -out "$2.csr" \
                -subj "/CN=$3" 2>/dev/null
            if [[ "$1" == ca ]]; then
                # Valid from two days ago (`ca` can back-date, `x509` cannot), so that older messages can be tested.
                openssl ca -batch -config ca.cnf -in "$2.csr" -out "$2.crt" -notext -extfile ext.cnf -extensions "$4" \
                    -startdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" \
                    -enddate "$(date -u -d "+$5 days" +%Y%m%d%H%M%SZ)" 2>/dev/null
            else
                openssl x509 -req -in "$2.csr" -CA "$1.crt" -CAkey "$1.key" -CAcreateserial -days "$5" \
                    -extfile ext.cnf -extensions "$4" -out "$2.crt" 2>/dev/null
            fi
        }
        # The CA that issues the users is back-dated too, by signing itself with `ca -selfsign`.
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.csr \
            -subj "/CN=ca" 2>/dev/null
        openssl ca -batch -config ca.cnf -selfsign -keyfile ca.key -in ca.csr -out ca.crt -notext -extfile ext.cnf \
            -extensions authority -startdate "$(date -u -d '-3 days' +%Y%m%d%H%M%SZ)" \
            -enddate "$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)" 2>/dev/null
        authority otherca
        for name in alice bob carol dave; do user ca "$name" "$name" user 30; done
        user ca old old old 30
        user ca brief brief user 1
        user otherca fakealice alice user 30
        openssl ca -config ca.cnf -revoke dave.crt 2>/dev/null
        openssl ca -config ca.cnf -gencrl -out ca.crl 2>/dev/null
        """#
}
