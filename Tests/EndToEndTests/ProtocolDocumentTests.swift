import Foundation
import Testing

/// Walks the example session of docs/PROTOCOL.md against the real server: the document is the contract.
@Suite(.timeLimit(.minutes(2)))
struct ProtocolDocumentTests {
    static let document: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)) ?? ""
    }()

    /// The `<`/`>` lines of the example session.
    static var exampleLines: [String] {
        guard let start = document.range(of: "## Example session") else { return [] }
        let section = document[start.upperBound...]
        guard let open = section.range(of: "```\n"), let close = section[open.upperBound...].range(of: "```") else {
            return []
        }
        return section[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
    }

    @Test func theExampleSessionIsWhatTheServerSays() async throws {
        let lines = Self.exampleLines
        #expect(lines.count > 10)
        let server = try await ServerProcess.start()
        let carol = try await server.login("carol")
        carol.send("register carol-password")
        await carol.answer()
        carol.send("tata")
        await carol.next("BYE ")
        let bob = try await server.login("bob")

        let alice = try server.connect()
        for line in lines {
            let text = String(line.dropFirst(2))
            if line.hasPrefix("> ") {
                alice.send(text)
            } else if line.hasPrefix("< ") {
                if text.hasPrefix("CHAT bob: ") { bob.send(String(text.dropFirst("CHAT bob: ".count))) }
                let seen = await alice.nextLine()
                #expect(seen == text, "the document says \(text)")
            }
        }
    }
}
