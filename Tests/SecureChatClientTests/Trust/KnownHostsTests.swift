import Foundation
import Testing

@testable import SecureChatClient

@Suite struct KnownHostsTests {
    let fingerprintA = Array(repeating: "AB", count: 32).joined(separator: ":")
    let fingerprintB = Array(repeating: "CD", count: 32).joined(separator: ":")

    @Test func parsesEntriesAndSkipsCommentsAndJunk() {
        let file = KnownHosts(
            contents: """
                # remembered servers
                chat.example.org:7443 \(fingerprintA)

                [::1]:7443 \(fingerprintB.lowercased())
                broken line
                nohost \(fingerprintA)
                host:99999 \(fingerprintA)
                host:1 not-a-fingerprint
                """
        )
        #expect(
            file.entries == [
                .init(host: "chat.example.org", port: 7443, fingerprint: fingerprintA),
                .init(host: "::1", port: 7443, fingerprint: fingerprintB.lowercased()),
            ]
        )
    }

    @Test func checksMatchMismatchAndUnknown() {
        let file = KnownHosts(contents: "127.0.0.1:7443 \(fingerprintA)\n")
        #expect(file.check(host: "127.0.0.1", port: 7443, fingerprint: fingerprintA) == .match)
        #expect(file.check(host: "127.0.0.1", port: 7443, fingerprint: fingerprintA.lowercased()) == .match)
        #expect(
            file.check(host: "127.0.0.1", port: 7443, fingerprint: fingerprintB) == .mismatch(expected: fingerprintA)
        )
        #expect(file.check(host: "127.0.0.1", port: 7444, fingerprint: fingerprintA) == .unknown)
        #expect(file.check(host: "localhost", port: 7443, fingerprint: fingerprintA) == .unknown)
    }

    @Test func hostNamesCompareCaseInsensitively() {
        let file = KnownHosts(contents: "Chat.Example.org:7443 \(fingerprintA)\n")
        #expect(file.check(host: "chat.example.ORG", port: 7443, fingerprint: fingerprintA) == .match)
    }

    @Test func rememberAddsOrReplacesAndKeepsOtherLines() {
        var file = KnownHosts(contents: "# mine\na:1 \(fingerprintA)\nb:2 \(fingerprintA)\n")
        file.remember(host: "a", port: 1, fingerprint: fingerprintB)
        file.remember(host: "::1", port: 3, fingerprint: fingerprintA)
        #expect(file.contents == "# mine\nb:2 \(fingerprintA)\na:1 \(fingerprintB)\n[::1]:3 \(fingerprintA)\n")
        #expect(KnownHosts(contents: file.contents) == file)
    }

    @Test func formatsOneLinePerServer() {
        let entry = KnownHosts.Entry(host: "127.0.0.1", port: 7443, fingerprint: fingerprintA.lowercased())
        #expect(KnownHosts.format(entry) == "127.0.0.1:7443 \(fingerprintA)")
    }

    @Test func savesAndLoadsWithPrivatePermissions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sub/known_hosts").path
        #expect(try KnownHosts.load(from: path) == KnownHosts())
        var file = KnownHosts()
        file.remember(host: "h", port: 1, fingerprint: fingerprintA)
        try file.save(to: path)
        #expect(try KnownHosts.load(from: path).entries == file.entries)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func defaultPathIsUnderTheConfigDirectory() {
        #expect(KnownHosts.defaultPath(environment: ["HOME": "/home/u"]) == "/home/u/.config/securechat/known_hosts")
        #expect(
            KnownHosts.defaultPath(environment: ["HOME": "/h", "XDG_CONFIG_HOME": "/x"]) == "/x/securechat/known_hosts"
        )
    }
}
