import ChatCore
import Testing

@Suite struct UsernameTests {
    @Test(arguments: [
        "a", "alice", "Alice", "bob_99", "x-y.z", "...", "_", "-", "A1", String(repeating: "z", count: 32),
    ])
    func acceptsValidNames(raw: String) throws {
        let name = try Username.validate(raw).get()
        #expect(name.display == raw)
        #expect(name.key == raw.lowercased())
        #expect(name.description == raw)
    }

    /// Stored names that do not start with a letter stay valid (`validate`); only new ones must.
    @Test func onlyNamesStartingWithALetterMayBeTakenAnew() throws {
        for raw in ["alice", "Zed", "a1", "x-y.z"] {
            #expect(try Username.validate(raw).get().mayBeTakenAnew, "\(raw)")
        }
        for raw in [".", "-rf", "...", "12345", "_", "9lives"] {
            #expect(try !Username.validate(raw).get().mayBeTakenAnew, "\(raw)")
        }
    }

    @Test(arguments: [
        "", " ", " alice", "alice ", "al ice", "b@d", "who?", "ålice", "名前", "tab\t", "new\nline", "a/b", "a:b",
        "👋", "e\u{301}", String(repeating: "z", count: 33),
    ])
    func refusesBadForm(raw: String) {
        #expect(Username.validate(raw) == .failure(.nameInvalid(raw)))
        if case .failure(let error) = Username.validate(raw) {
            #expect(error.code == .nameInvalid)
            #expect(error.message.contains("1 to 32 characters"))
        }
    }

    @Test(arguments: [
        "whoelse", "wholast", "send", "broadcast", "inbox", "history", "block", "unblock", "blocked", "register",
        "help", "tata", "ping", "pong", "server", "SERVER", "Help", "TaTa", "room", "Everyone", "message", "USER",
        "say", "Read",
    ])
    func refusesReservedWords(raw: String) {
        #expect(Username.validate(raw) == .failure(.nameReservedWord(raw)))
    }

    @Test func reservedWordsAreEveryCommandWordServerAndTheProtocolsOwnWords() {
        #expect(
            Username.reservedWords
                == Set(CommandVerb.allCases.map(\.rawValue) + ["server", "room", "everyone", "message", "user"])
        )
        #expect(Username.reservedWords.count == 23)
    }

    @Test func namesCompareCaseInsensitively() throws {
        let upper = try Username.validate("Alice").get()
        let lower = try Username.validate("alice").get()
        #expect(upper == lower)
        #expect(upper.hashValue == lower.hashValue)
        #expect(Set([upper, lower]).count == 1)
        #expect(upper.display != lower.display)
        #expect(try Username.validate("bob").get() != lower)
    }

    @Test func sortsByKey() throws {
        let names = try ["carol", "Bob", "alice", "Dave"].map { try Username.validate($0).get() }
        #expect(names.sorted().map(\.display) == ["alice", "Bob", "carol", "Dave"])
    }
}
