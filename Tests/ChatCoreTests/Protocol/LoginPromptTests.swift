import ChatCore
import Testing

@Suite struct LoginPromptTests {
    /// The text after `PROMPT `, and what a client reads from it.
    static let prompts: [(String, LoginPrompt)] = [
        ("Enter username:", LoginPrompt(.plain, "Enter username:")),
        ("password Enter password for carol:", LoginPrompt(.password, "Enter password for carol:")),
        ("password Your secret:", LoginPrompt(.password, "Your secret:")),
        ("one-time-code Enter the code:", LoginPrompt(.unknown("one-time-code"), "Enter the code:")),
        ("password", LoginPrompt(.password, "")),
    ]

    @Test(arguments: prompts)
    func parses(wireText: String, prompt: LoginPrompt) {
        #expect(LoginPrompt(parsing: wireText) == prompt)
        #expect(prompt.wireText == wireText)
    }

    /// The kind is the word on the wire, never a guess from the words for people.
    @Test(arguments: ["Enter password for carol:", "Password:", "Enter your password-less nickname:", ""])
    func aPromptWithoutAKindWordIsPlainWhateverItsText(wireText: String) {
        #expect(LoginPrompt(parsing: wireText) == LoginPrompt(.plain, wireText))
    }

    @Test func everyKindButPlainIsSecret() {
        #expect(!LoginPrompt.Kind.plain.isSecret)
        #expect(LoginPrompt.Kind.password.isSecret)
        #expect(LoginPrompt.Kind.unknown("one-time-code").isSecret)
    }

    /// The server's two prompts read back as what they ask for; the username prompt is the seed's line.
    @Test func theServersPromptsSayWhatTheyAskFor() {
        let username = ReplyFormatter.line(for: .promptUsername)
        let password = ReplyFormatter.line(for: .promptPassword(for: Username.fixture("Carol")))
        #expect(username == "PROMPT Enter username:")
        #expect(LoginPrompt(parsing: username.dropFirst("PROMPT ".count)).kind == .plain)
        #expect(
            LoginPrompt(parsing: password.dropFirst("PROMPT ".count))
                == LoginPrompt(.password, "Enter password for Carol:")
        )
    }
}
