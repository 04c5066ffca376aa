import ChatCore
import Testing

@Suite struct CommandTableTests {
    @Test func listsEveryVerbOnceInOrder() {
        #expect(CommandTable.entries.map(\.verb) == CommandVerb.allCases)
    }

    @Test(arguments: CommandVerb.allCases)
    func usageStartsWithTheVerb(verb: CommandVerb) {
        let entry = CommandTable.entry(for: verb)
        #expect(entry.verb == verb)
        #expect(entry.usage.hasPrefix(verb.rawValue))
        #expect(!entry.summary.isEmpty)
    }

    @Test func helpListsEveryCommandThenOK() {
        let answer = CommandTable.helpAnswer(for: nil)
        #expect(answer.count == CommandVerb.allCases.count + 1)
        #expect(answer.first == .help(form: "whoelse", text: "list the other users online now"))
        #expect(answer.last == .ok("18 commands; type 'help <command>' for one of them"))
        #expect(
            ReplyFormatter.line(for: answer[1])
                == "HELP wholast <minutes> - list the users who left in the last <minutes> minutes (1 to 525600)"
        )
    }

    @Test func helpForOneCommand() {
        #expect(
            CommandTable.helpAnswer(for: .send) == [
                .help(
                    form: "send <user> <message>",
                    text: "send a private message; it waits in an offline user's inbox"
                ),
                .ok("help for send"),
            ]
        )
    }

    @Test(arguments: ["whoelse", "WHOELSE", "WhoElse", "tata"])
    func verbsMatchIgnoringASCIICase(word: String) {
        #expect(CommandVerb(matching: word)?.rawValue == word.lowercased())
    }

    @Test(arguments: ["", "who", "whoelse ", "bloc\u{212A}", "ｗhoelse", "whoelsewhoelse"])
    func otherWordsAreNoVerb(word: String) {
        #expect(CommandVerb(matching: word) == nil)
    }
}
