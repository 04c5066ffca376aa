import Foundation
import Testing

@testable import SecureChatClient

@Suite struct ServerLineRendererTests {
    let plain = ServerLineRenderer(colour: false)
    let coloured = ServerLineRenderer(colour: true)

    @Test(
        arguments: [
            ("CHAT alice: hi", "alice: hi"),
            ("PRIVATE alice: psst", "[private] alice: psst"),
            ("BROADCAST alice: all", "[broadcast] alice: all"),
            ("BROADCAST alice: to be: or not", "[broadcast] alice: to be: or not"),
            ("BROADCAST alice to bob,carol: hi", "[broadcast to bob, carol] alice: hi"),
            ("NOTICE alice joined the conversation", "* alice joined the conversation"),
            (
                "ERROR unknown-user there is no user called nobody",
                "error: there is no user called nobody (unknown-user)"
            ),
            ("OK 1 other user online", "1 other user online"),
            ("USER bob", "  bob"),
            ("DELIVERY bob delivered online now", "  bob delivered online now"),
            ("HELP whoelse - list the other users", "  /whoelse - list the other users"),
            ("HELP cert <user> - the certificate", "  cert <user> - the certificate (this client sends it for you)"),
            ("HELP pong - answer a keep-alive", "  pong - answer a keep-alive (this client sends it for you)"),
            ("INBOX 2026-11-25T13:02:11Z carol: see you", "[inbox 2026-11-25T13:02:11Z] carol: see you"),
            (
                "INBOX 12 2026-11-25T13:02:11Z private carol: see you",
                "[inbox #12 2026-11-25T13:02:11Z] [private] carol: see you"
            ),
            (
                "INBOX 13 2026-11-25T13:02:12Z broadcast carol: all of you",
                "[inbox #13 2026-11-25T13:02:12Z] [broadcast] carol: all of you"
            ),
            ("HISTORY 2026-11-25T13:02:11Z alice -> bob: hi", "[2026-11-25T13:02:11Z] alice -> bob: hi"),
            (
                "WELCOME alice Welcome to chat room. Enter 'tata' anytime to exit",
                "Logged in as alice. Welcome to chat room. Enter 'tata' anytime to exit"
            ),
            ("PROMPT Enter username:", "Enter username:"),
            ("PROMPT password Enter password for carol:", "Enter password for carol:"),
            ("PROMPT one-time-code Enter the code:", "Enter the code:"),
            ("BYE DISCONNECTED!!", "DISCONNECTED!!"),
            ("BYE server shutting down", "disconnected: server shutting down"),
            ("FUTURE something new", "FUTURE something new"),
        ] as [(String, String)]
    )
    func rendersEachKindWithoutColour(raw: String, shown: String) {
        #expect(plain.render(ServerLine(parsing: raw)) == shown)
    }

    @Test(
        arguments: [
            (
                "NOTICE you have 2 unread messages; type 'inbox' to read them",
                "* you have 2 unread messages; type '/inbox' to read them"
            ),
            (
                "OK 18 commands; type 'help <command>' for one of them",
                "18 commands; type '/help <command>' for one of them"
            ),
            (
                "ERROR unknown-command /x is not a command; type 'help' for the list",
                "error: /x is not a command; type '/help' for the list (unknown-command)"
            ),
            ("HELP read [<id>] - type 'read' to mark", "  /read [<id>] - type '/read' to mark"),
            ("NOTICE type 'anything' you like", "* type 'anything' you like"),
            ("OK type '/inbox' already", "type '/inbox' already"),
            ("CHAT alice: type 'inbox' now", "alice: type 'inbox' now"),
        ] as [(String, String)]
    )
    func serverHintsNameTheClientsSlashCommands(raw: String, shown: String) {
        #expect(plain.render(ServerLine(parsing: raw)) == shown)
    }

    @Test func pingIsNotShown() {
        #expect(plain.render(ServerLine(parsing: "PING keep-alive")) == nil)
    }

    @Test func colourAddsSGRCodesAroundTheParts() {
        let chat = coloured.render(ServerLine(parsing: "CHAT alice: hi"))
        #expect(chat?.contains("\u{1B}[") == true)
        #expect(chat?.hasSuffix("\u{1B}[0m: hi") == true)
        let error = coloured.render(ServerLine(parsing: "ERROR usage wholast <minutes>"))
        #expect(error == "\u{1B}[1;31merror: wholast <minutes> (usage)\u{1B}[0m")
        let privateMessage = coloured.render(ServerLine(parsing: "PRIVATE bob: x"))
        #expect(privateMessage?.hasPrefix("\u{1B}[1;35m[private]\u{1B}[0m ") == true)
    }

    @Test func withoutColourThereAreNoEscapes() {
        for kind in ServerLine.Kind.allCases {
            let text = plain.render(ServerLine(parsing: "\(kind.rawValue) alice: hello"))
            #expect(text?.contains("\u{1B}") != true)
        }
    }

    @Test func peerTextIsSanitised() {
        let hostile = "CHAT mallory: \u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m\u{202E}evil"
        let shown = plain.render(ServerLine(parsing: hostile))
        #expect(shown == "mallory: ␛]0;owned␇␛[2J\u{FFFD}31m\u{FFFD}evil")
        for kind in ServerLine.Kind.allCases {
            let text = coloured.render(ServerLine(parsing: "\(kind.rawValue) a\u{1B}b: c\u{1B}[31md")) ?? ""
            // The only escapes left are the renderer's own SGR codes: every ESC starts "ESC [ digits ; m".
            let escapes = text.split(separator: "\u{1B}", omittingEmptySubsequences: false).dropFirst()
            for rest in escapes {
                #expect(rest.hasPrefix("[0m") || rest.hasPrefix("[1") || rest.hasPrefix("[2") || rest.hasPrefix("[3"))
                #expect(rest.prefix { $0 != "m" }.allSatisfy { $0 == "[" || $0 == ";" || $0.isNumber })
            }
            #expect(!text.contains("c\u{1B}[31md"))
        }
    }

    /// A server that passes invisible format characters on (an older one, or not ours) cannot hide text from the
    /// reader or fake a line break: the client neutralises them itself.
    @Test func invisibleFormatCharactersFromTheServerAreShown() {
        let hidden = "PRIVATE mallory: pay\u{200B}pal\u{2028}NOTICE admin: ok\u{FEFF}\u{2060}"
        #expect(
            plain.render(ServerLine(parsing: hidden))
                == "[private] mallory: pay\u{FFFD}pal\u{FFFD}NOTICE admin: ok\u{FFFD}\u{FFFD}"
        )
    }

    @Test func colourOnlyOnATerminalWithoutNoColour() {
        #expect(ServerLineRenderer.wantsColour(stdoutIsTerminal: true, environment: [:]))
        #expect(!ServerLineRenderer.wantsColour(stdoutIsTerminal: false, environment: [:]))
        #expect(!ServerLineRenderer.wantsColour(stdoutIsTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(!ServerLineRenderer.wantsColour(stdoutIsTerminal: true, environment: ["NO_COLOR": ""]))
    }
}

/// Sealed messages as the renderer shows them, opened by a stand-in for the user's key.
@Suite struct SealedLineRendererTests {
    struct Opening: SealedOpening {
        let view: SealedView

        func open(_ sealed: String, from: String, to: String?, receivedAt: Date?) -> SealedView {
            view
        }
    }

    let plain = ServerLineRenderer(colour: false)

    @Test func aVerifiedMessageShowsItsTextNeutralised() {
        let opening = Opening(view: SealedView(text: "meet at 6 \u{1B}[2J", warnings: []))
        #expect(
            plain.render(ServerLine(parsing: "SEALED alice: MIIB"), opening: opening)
                == "[sealed, verified] alice: meet at 6 ␛[2J"
        )
        #expect(
            plain.render(ServerLine(parsing: "INBOX 7 2026-12-05T16:00:00Z sealed alice: MIIB"), opening: opening)
                == "[inbox #7 2026-12-05T16:00:00Z] [sealed, verified] alice: meet at 6 ␛[2J"
        )
        #expect(
            plain.render(
                ServerLine(parsing: "HISTORY 2026-12-05T16:00:00Z alice -> bob sealed: MIIB"),
                opening: opening
            )
                == "[2026-12-05T16:00:00Z] alice -> bob [sealed, verified]: meet at 6 ␛[2J"
        )
    }

    @Test func aPlainMessageThatLooksSealedIsShownAsPlainText() {
        // `send bob sealed: MIIB` from anyone: the history line has `bob:` where a sealed one has `bob`.
        #expect(SealedHistoryEntry("2026-12-05T16:00:00Z mallory -> bob: sealed: MIIB") == nil)
        let opening = Opening(view: SealedView(text: "forged", warnings: []))
        #expect(
            plain.render(
                ServerLine(parsing: "HISTORY 2026-12-05T16:00:00Z mallory -> bob: sealed: MIIB"),
                opening: opening
            )
                == "[2026-12-05T16:00:00Z] mallory -> bob: sealed: MIIB"
        )
    }

    @Test func aMessageThatDoesNotVerifyOrOpenSaysWhy() {
        let unverified = Opening(
            view: SealedView(text: "hi", warnings: ["the signer's certificate: certificate revoked"])
        )
        #expect(
            plain.render(ServerLine(parsing: "SEALED dave: MIIB"), opening: unverified)
                == "[sealed, NOT VERIFIED: the signer's certificate: certificate revoked] dave: hi"
        )
        let unreadable = Opening(view: SealedView(text: nil, warnings: ["it was not sealed to you"]))
        #expect(
            plain.render(ServerLine(parsing: "SEALED dave: MIIB"), opening: unreadable)
                == "[sealed, cannot be opened: it was not sealed to you] from dave"
        )
        #expect(
            plain.render(ServerLine(parsing: "SEALED dave: MIIB"))
                == "[sealed, not opened: this client has no key for it] from dave"
        )
    }
}
