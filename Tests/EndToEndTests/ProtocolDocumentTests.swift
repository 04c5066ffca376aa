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

    /// The `<`/`>` lines of each example of the example session, in the document's order.
    static var examples: [[String]] {
        guard let start = document.range(of: "## Example session") else { return [] }
        var section = document[start.upperBound...]
        var examples: [[String]] = []
        while let open = section.range(of: "```\n"), let close = section[open.upperBound...].range(of: "```") {
            examples.append(section[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init))
            section = section[close.upperBound...]
        }
        return examples
    }

    /// Each example is walked on a new connection: alice's session, then carol's login with her password (the exact
    /// bytes of both prompts), which finds the message alice left her.
    @Test func theExampleSessionIsWhatTheServerSays() async throws {
        let examples = Self.examples
        #expect(examples.count == 2)
        #expect(examples.first?.count ?? 0 > 10)
        let server = try await ServerProcess.start()
        let carol = try await server.login("carol")
        carol.send("register carol-password")
        await carol.answer()
        carol.send("tata")
        await carol.next("BYE ")
        let bob = try await server.login("bob")

        for lines in examples {
            let client = try server.connect()
            for line in lines {
                let text = String(line.dropFirst(2))
                if line.hasPrefix("> ") {
                    client.send(text)
                } else if line.hasPrefix("< ") {
                    if text.hasPrefix("CHAT bob: ") { bob.send(String(text.dropFirst("CHAT bob: ".count))) }
                    let seen = await client.nextLine()
                    #expect(seen == text, "the document says \(text)")
                }
            }
        }
    }
}
