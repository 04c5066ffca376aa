/// Turns the lines of a logged-in user into commands or chat, following docs/PROTOCOL.md ("Commands").
///
/// A line whose first word is a command word (any case, optionally with a leading `/`) is that command; a line that
/// starts with `/` but names no command is refused; anything else is chat. `say <text>` is chat too: its text is sent
/// as typed even when it starts with a command word. Argument counts come from ``CommandTable``; the argument values
/// are checked here.
public enum CommandParser {
    /// Classifies one line (its line ending removed; a trailing CR is removed here too).
    public static func parse(_ line: String) -> ParsedLine {
        let line = removingTrailingCR(line)
        guard !line.unicodeScalars.allSatisfy(\.properties.isWhitespace) else { return .empty }
        var scanner = ArgumentScanner(line[...])
        guard let first = scanner.next() else { return .empty }
        let hasSlash = first.hasPrefix("/")
        guard let verb = CommandVerb(matching: hasSlash ? first.dropFirst() : first) else {
            return hasSlash ? .invalid(.unknownCommand(String(first))) : .chat(line)
        }
        if verb == .say { return say(scanner) }
        switch arguments(of: verb, from: &scanner) {
        case .success(let command): return .command(command)
        case .failure(let error): return .invalid(error)
        }
    }

    /// Decodes one framed line: removes one trailing CR and checks that the rest is valid UTF-8.
    public static func decodeLine(_ bytes: some Collection<UInt8>) -> Result<String, ProtocolError> {
        let decoded =
            bytes.withContiguousStorageIfAvailable(decodeLine(contiguous:))
            ?? Array(bytes).withUnsafeBufferPointer(decodeLine(contiguous:))
        guard let decoded else { return .failure(.invalidUTF8) }
        return .success(decoded)
    }

    /// Validates in one pass over the bytes; a CR byte is never part of a longer UTF-8 sequence, so dropping it
    /// first is the same as dropping the decoded CR.
    private static func decodeLine(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let body = bytes.last == UInt8(ascii: "\r") ? UnsafeBufferPointer(rebasing: bytes.dropLast()) : bytes
        return String(validating: body, as: UTF8.self)
    }

    private static func removingTrailingCR(_ line: String) -> String {
        guard line.unicodeScalars.last == "\r" else { return line }
        var scalars = line.unicodeScalars
        scalars.removeLast()
        return String(scalars)
    }

    /// `say <text>`: the rest of the line, as typed, is a chat line.
    private static func say(_ scanner: ArgumentScanner) -> ParsedLine {
        let text = scanner.rest
        guard !text.isEmpty else { return .invalid(.usage(CommandTable.entry(for: .say).usage)) }
        return .chat(String(text))
    }

    private static func arguments(
        of verb: CommandVerb,
        from scanner: inout ArgumentScanner
    ) -> Result<ClientCommand, ProtocolError> {
        let entry = CommandTable.entry(for: verb)
        let words = scanner.wordCount(cappedAt: entry.arguments.countCap)
        guard entry.arguments.accepts(words) else { return .failure(.usage(entry.usage)) }
        switch verb {
        case .whoelse: return .success(.whoelse)
        case .inbox: return .success(.inbox)
        case .blocked: return .success(.blocked)
        case .ping: return .success(.ping)
        case .pong: return .success(.pong)
        case .tata: return .success(.tata)
        case .say: preconditionFailure("'say' is a chat line, parsed by say(_:)")
        case .read:
            guard let word = scanner.next() else { return .success(.read(upTo: nil)) }
            return messageID(word, entry).map { .read(upTo: $0) }
        case .wholast:
            return number(scanner.next(), in: ProtocolLimits.wholastMinutes, entry, name: "<minutes>")
                .map { .wholast(minutes: $0) }
        case .history:
            guard let word = scanner.next() else {
                return .success(.history(limit: ProtocolLimits.defaultHistoryCount))
            }
            return number(word, in: ProtocolLimits.historyCount, entry, name: "N").map { .history(limit: $0) }
        case .send:
            return recipient(scanner.next()).map { .send(to: $0, text: String(scanner.rest)) }
        case .seal:
            return recipient(scanner.next()).flatMap { name in
                sealedMessage(scanner.next(), entry).map { .seal(to: name, sealed: $0) }
            }
        case .cert:
            return recipient(scanner.next()).map { .certificate(of: $0) }
        case .broadcast:
            return broadcast(from: &scanner, entry)
        case .block:
            return recipient(scanner.next()).map { .block($0) }
        case .unblock:
            return recipient(scanner.next()).map { .unblock($0) }
        case .register:
            let password = String(scanner.next() ?? "")
            guard password.count >= ProtocolLimits.minimumPasswordLength else { return .failure(.weakPassword) }
            return .success(.register(password: password))
        case .help:
            guard let word = scanner.next() else { return .success(.help(topic: nil)) }
            guard let topic = CommandVerb(matching: word.hasPrefix("/") ? word.dropFirst() : word) else {
                return .failure(.usage(entry.usage, detail: "\(ProtocolError.clipped(String(word))) is not a command"))
            }
            return .success(.help(topic: topic))
        }
    }

    /// `broadcast message <text>` or `broadcast user <u1> [<u2> …] message <text>`; `message` is a reserved name, so
    /// when it follows `user` at once the list is empty.
    private static func broadcast(
        from scanner: inout ArgumentScanner,
        _ entry: CommandTable.Entry
    ) -> Result<ClientCommand, ProtocolError> {
        switch scanner.next()?.lowercased() {
        case "message":
            return .success(.broadcastAll(text: String(scanner.rest)))
        case "user":
            var names: [Username] = []
            var word = scanner.next()
            if word?.lowercased() == "message" { return .failure(.usage(entry.usage, detail: "no user is named")) }
            repeat {
                guard let raw = word else {
                    return .failure(.usage(entry.usage, detail: "'message <text>' is missing"))
                }
                switch recipient(raw) {
                case .success(let name) where names.contains(name): break
                case .success(let name): names.append(name)
                case .failure(let error): return .failure(error)
                }
                guard names.count <= ProtocolLimits.maximumBroadcastUsers else {
                    let limit = ProtocolLimits.maximumBroadcastUsers
                    return .failure(.usage(entry.usage, detail: "at most \(limit) users"))
                }
                word = scanner.next()
            } while word?.lowercased() != "message"
            let text = scanner.rest
            guard !text.isEmpty else { return .failure(.usage(entry.usage, detail: "the message is empty")) }
            return .success(.broadcastUsers(names, text: String(text)))
        default:
            return .failure(.usage(entry.usage))
        }
    }

    /// A user named in a command: a bad form is `name-invalid`; a reserved word can be nobody, so `unknown-user`.
    private static func recipient(_ word: Substring?) -> Result<Username, ProtocolError> {
        let raw = String(word ?? "")
        return Username.validate(raw).mapError { error in
            error.code == .nameReserved ? .unknownUser(raw) : error
        }
    }

    /// The sealed message of `seal`: only its form is checked (``SealedMessageForm``); nobody but the recipient can
    /// read it.
    private static func sealedMessage(_ word: Substring?, _ entry: CommandTable.Entry) -> Result<String, ProtocolError>
    {
        let sealed = String(word ?? "")
        if let problem = SealedMessageForm.problem(with: sealed) {
            return .failure(.usage(entry.usage, detail: problem))
        }
        return .success(sealed)
    }

    /// A message id as `INBOX` lines show it: a positive whole number in ASCII digits.
    private static func messageID(_ word: Substring, _ entry: CommandTable.Entry) -> Result<MessageID, ProtocolError> {
        if word.utf8.count <= 18, word.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int64(word),
            value > 0
        {
            return .success(MessageID(rawValue: value))
        }
        return .failure(.usage(entry.usage, detail: "<id> is the number of a message 'inbox' showed"))
    }

    /// A whole number in `range`, written with ASCII digits only.
    private static func number(
        _ word: Substring?,
        in range: ClosedRange<Int>,
        _ entry: CommandTable.Entry,
        name: String
    ) -> Result<Int, ProtocolError> {
        let digits = word ?? ""
        if digits.utf8.count <= 9, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(digits),
            range.contains(value)
        {
            return .success(value)
        }
        let detail = "\(name) is a whole number from \(range.lowerBound) to \(range.upperBound)"
        return .failure(.usage(entry.usage, detail: detail))
    }
}
