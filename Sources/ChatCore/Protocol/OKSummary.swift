/// The texts of `OK` lines, so every command's summary reads the same and counts agree with their nouns.
///
/// Use them with ``ServerReply/ok(_:)``: `.ok(OKSummary.othersOnline(1))` is sent as `OK 1 other user online`.
public enum OKSummary {
    /// `count` followed by `singular` or, unless it is exactly one, `plural` (default: `singular` + "s").
    ///
    /// `counted(1, "user")` is "1 user", `counted(2, "user")` is "2 users".
    public static func counted(_ count: Int, _ singular: String, plural: String? = nil) -> String {
        "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
    }

    /// `whoelse`: "1 other user online", "3 other users online".
    public static func othersOnline(_ count: Int) -> String {
        "\(counted(count, "other user")) online"
    }

    /// `wholast`: "2 users seen in the last 10 minutes".
    public static func lastSeen(_ count: Int, minutes: Int) -> String {
        "\(counted(count, "user")) seen in the last \(counted(minutes, "minute"))"
    }

    /// `send` to an online user: "delivered to bob".
    public static func delivered(to name: Username) -> String {
        "delivered to \(name)"
    }

    /// `send` to an offline identity: "queued for carol (offline); carol will find it in the inbox".
    public static func queued(for name: Username) -> String {
        "queued for \(name) (offline); \(name) will find it in the inbox"
    }

    /// `broadcast message`: "broadcast to 3 users".
    public static func broadcast(reached count: Int) -> String {
        "broadcast to \(counted(count, "user"))"
    }

    /// `broadcast user …`: "2 delivered, 1 queued, 0 failed".
    public static func deliveries(delivered: Int, queued: Int, failed: Int) -> String {
        "\(delivered) delivered, \(queued) queued, \(failed) failed"
    }

    /// `inbox`: "3 messages; type 'read' once you have them", or with more waiting "200 messages; 5 more: type
    /// 'inbox' for the next page (it marks these read)". Nothing is marked read by being shown.
    public static func inboxPage(_ count: Int, more: Int) -> String {
        let shown = counted(count, "message")
        if more > 0 { return "\(shown); \(more) more: type 'inbox' for the next page (it marks these read)" }
        return count == 0 ? shown : "\(shown); type 'read' once you have them"
    }

    /// `read`: "3 messages marked read".
    public static func markedRead(_ count: Int) -> String {
        "\(counted(count, "message")) marked read"
    }

    /// `history`: "5 messages".
    public static func history(_ count: Int) -> String {
        counted(count, "message")
    }

    /// `block`: "blocked bob".
    public static func blocked(_ name: Username) -> String {
        "blocked \(name)"
    }

    /// `unblock`: "unblocked bob".
    public static func unblocked(_ name: Username) -> String {
        "unblocked \(name)"
    }

    /// `blocked`: "1 blocked user", "0 blocked users".
    public static func blockedUsers(_ count: Int) -> String {
        counted(count, "blocked user")
    }

    /// `register`: "alice is registered; from now on this name asks for your password".
    public static func registered(_ name: Username) -> String {
        "\(name) is registered; from now on this name asks for your password"
    }

    /// `help`: "16 commands; type 'help <command>' for one of them", or "help for send" for one command.
    public static func help(_ topic: CommandVerb?) -> String {
        guard let topic else {
            return "\(counted(CommandVerb.allCases.count, "command")); type 'help <command>' for one of them"
        }
        return "help for \(topic.rawValue)"
    }

    /// `ping`: "pong".
    public static let pong = "pong"
}
