import Foundation
import Testing

/// The web side: the page and the WebSocket on the TLS port, chosen by ALPN (docs/WEB.md). The clients are
/// `Tests/Web/ws_client.py` (Python's `ssl`, frames written by hand so that malformed ones can be sent) and
/// `openssl s_client`.
@Suite(.timeLimit(.minutes(3)))
struct WebTests {
    @Test func aWebSocketUserAndAnSClientUserChat() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let web = try WebClient.connect(to: server, origin: "https://localhost:\(server.port)")
        #expect(await web.next("TLS ") == "TLS TLSv1.3 ALPN http/1.1")
        #expect(await web.next("HTTP ") == "HTTP 101 Switching Protocols")
        #expect(await web.next("OPEN ") == "OPEN securechat.v1")
        #expect(await web.next("PROMPT ") == "PROMPT Enter username:")
        web.send("webby")
        #expect(await web.next("WELCOME ") == "WELCOME webby Welcome to chat room. Enter 'tata' anytime to exit")
        #expect(await alice.next("NOTICE ") == "NOTICE webby joined the conversation")

        web.send("say hello from a browser")
        #expect(await alice.next("CHAT ") == "CHAT webby: hello from a browser")
        alice.send("say <script>alert(1)</script> \u{1B}[31mred")
        #expect(await web.next("CHAT ") == "CHAT alice: <script>alert(1)</script> ␛[31mred")
        alice.send("send webby psst")
        #expect(await alice.next("OK ") == "OK delivered to webby")
        #expect(await web.next("PRIVATE ") == "PRIVATE alice: psst")
        web.send("whoelse")
        #expect(await web.answer() == ["USER alice", "OK 1 other user online"])

        web.send("tata")
        #expect(await web.next("BYE ") == "BYE DISCONNECTED!!")
        #expect(await web.next("CLOSE ") == "CLOSE 1000 ")
        #expect(await web.next("EOF") != nil)
        #expect(await alice.next("NOTICE ") == "NOTICE webby left the conversation")
        // The connect log line says how each user came in.
        #expect(
            await server.process.errorLine { $0.contains("connected [ webby ]") }?.contains("ALPN http/1.1 WebSocket")
                == true
        )
        #expect(
            await server.process.errorLine { $0.contains("connected [ alice ]") }?.hasSuffix(" lines guest") == true
        )
    }

    @Test func aClientCertificateLogsInByItsCommonName() async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let web = try WebClient.connect(to: server, certificate: try pki.client("carol"))
        #expect(await web.next("OPEN ") == "OPEN securechat.v1")
        // No prompt: the certificate names the user.
        #expect(await web.nextLine() == "WELCOME carol Welcome to chat room. Enter 'tata' anytime to exit")
    }

    @Test func thePageIsServedWithAStrictPolicyAndNothingElseIs() async throws {
        let server = try await ServerProcess.start()
        let page = try WebClient.connect(to: server, ["--plain", "--path", "/"])
        #expect(await page.next("HTTP ") == "HTTP 200 OK")
        #expect(await page.next("BODY ") == "BODY <!doctype html>")
        #expect(await page.next("HEADER content-type") == "HEADER content-type: text/html; charset=utf-8")
        let policy = await page.next("HEADER content-security-policy")
        #expect(policy?.contains("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'") == true)
        #expect(await page.next("HEADER x-content-type-options") == "HEADER x-content-type-options: nosniff")

        let script = try WebClient.connect(to: server, ["--plain", "--path", "/app.js"])
        #expect(await script.next("HTTP ") == "HTTP 200 OK")
        #expect(await script.next("HEADER content-type") == "HEADER content-type: text/javascript; charset=utf-8")

        let icon = try WebClient.connect(to: server, ["--plain", "--path", "/favicon.ico"])
        #expect(await icon.next("HTTP ") == "HTTP 204 No Content")
        let missing = try WebClient.connect(to: server, ["--plain", "--path", "/etc/passwd"])
        #expect(await missing.next("HTTP ") == "HTTP 404 Not Found")
        let post = try WebClient.connect(to: server, ["--plain", "--path", "/", "--method", "POST"])
        #expect(await post.next("HTTP ") == "HTTP 405 Method Not Allowed")
        #expect(await post.next("HEADER allow") == "HEADER allow: GET")
        let notUpgraded = try WebClient.connect(to: server, ["--plain", "--path", "/chat"])
        #expect(await notUpgraded.next("HTTP ") == "HTTP 400 Bad Request")
    }

    @Test func anotherSitesPageCannotOpenTheChat() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--web-origin", "https://chat.example.org"])
        let evil = try WebClient.connect(to: server, origin: "https://evil.example")
        #expect(await evil.next("HTTP ") == "HTTP 403 Forbidden")
        #expect(await evil.next("BODY ") == "BODY pages from https://evil.example may not open this chat")
        let lookalike = try WebClient.connect(to: server, origin: "https://localhost:\(server.port).evil.example")
        #expect(await lookalike.next("HTTP ") == "HTTP 403 Forbidden")
        let null = try WebClient.connect(to: server, origin: "null")
        #expect(await null.next("HTTP ") == "HTTP 403 Forbidden")

        let allowed = try WebClient.connect(to: server, origin: "https://chat.example.org")
        #expect(await allowed.next("HTTP ") == "HTTP 101 Switching Protocols")
        #expect(await allowed.next("PROMPT ") == "PROMPT Enter username:")
        let noSubprotocol = try WebClient.connect(to: server, origin: "https://chat.example.org", ["--protocol", ""])
        #expect(await noSubprotocol.next("HTTP ") == "HTTP 400 Bad Request")
        #expect(await noSubprotocol.next("BODY ") == "BODY this chat speaks the WebSocket subprotocol securechat.v1")
    }

    /// Each abuse closes its own connection with the close code RFC 6455 gives for it, and the others chat on.
    @Test func abusiveFramesCloseOnlyTheirConnection() async throws {
        let server = try await ServerProcess.start()
        let alice = try await server.login("alice")
        let cases: [(send: String, close: String)] = [
            ("!big 20000", "CLOSE 1009"),
            ("!binary say hi", "CLOSE 1003 only text frames carry lines"),
            ("!fragments 100 say hi", "CLOSE 1008 a message in more than 64 frames"),
            ("!pings 40", "CLOSE 1008 too many pings"),
            ("!unmasked say hi", "CLOSE 1002 a client's frames must be masked"),
            ("!utf8bad", "CLOSE 1007 a text message must be UTF-8"),
        ]
        for (index, abuse) in cases.enumerated() {
            let web = try await WebClient.login("web\(index)", on: server)
            web.send(abuse.send)
            #expect(await web.next("CLOSE ")?.hasPrefix(abuse.close) == true, "\(abuse.send): \(web.lines)")
            #expect(await web.next("EOF") != nil)
            #expect(await alice.next("NOTICE web\(index) left") != nil)
            alice.send("ping")
            #expect(await alice.next("OK ") == "OK pong")
        }
        // A message in a few fragments, and pings at a person's pace, are fine.
        let web = try await WebClient.login("fragmented", on: server)
        web.send("!fragments 3 say in three frames")
        #expect(await alice.next("CHAT ") == "CHAT fragmented: in three frames")
        web.send("!pings 3")
        #expect(await web.next("PONG 2") != nil)
        #expect(await server.process.errorLine { $0.contains("WebSocket closed (1003)") } != nil)
    }

    /// NIO's HTTP decoder stops parsing after a request that asks for an upgrade (what follows would be the new
    /// protocol's); one that did not get it must end the connection, or the server would keep whatever came next.
    @Test func aRequestThatAskedForAnUpgradeItDidNotGetEndsTheConnection() async throws {
        let server = try await ServerProcess.start()
        let toThePage = try WebClient.connect(
            to: server,
            origin: "https://localhost:\(server.port)",
            ["--path", "/", "--wait-close"]
        )
        #expect(await toThePage.next("HTTP ") == "HTTP 200 OK")
        #expect(await toThePage.next("HEADER connection") == "HEADER connection: close")
        #expect(await toThePage.next { $0 == "EOF" || $0 == "OPEN" } == "EOF")
        let refused = try WebClient.connect(to: server, origin: "https://evil.example", ["--wait-close"])
        #expect(await refused.next("HTTP ") == "HTTP 403 Forbidden")
        #expect(await refused.next { $0 == "EOF" || $0 == "OPEN" } == "EOF")
    }

    /// A web connection's certificate is known to a reload from the handshake on, not only from the login: revoked
    /// while the browser fetches the page, it never logs in.
    @Test func aCertificateRevokedBeforeTheWebSocketOpensNeverLogsIn() async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate, "--crl", pki.crl]
        )
        let web = try WebClient.connect(to: server, certificate: try pki.client("erin"), ["--wait"])
        #expect(await web.next("TLS ") != nil)
        try pki.revoke("erin")
        server.process.signal(SIGHUP)
        #expect(await server.process.errorLine { $0.contains("client certificate is now revoked") } != nil)
        // Only now the browser's page asks for the WebSocket: on a connection the reload has closed.
        web.send("go")
        #expect(await web.next("EOF", timeout: 20) != nil)
        #expect(!web.lines.contains { $0.hasPrefix("WELCOME") }, "\(web.lines)")
    }

    @Test func oversizedRequestsAreRefused() async throws {
        let server = try await ServerProcess.start()
        let manyHeaders = try WebClient.connect(to: server, ["--plain", "--path", "/", "--extra-headers", "100"])
        #expect(await manyHeaders.next("HTTP ") == "HTTP 400 Bad Request")
        let bigHeader = try WebClient.connect(
            to: server,
            ["--plain", "--path", "/", "--extra-headers", "1", "--header-size", "5000"]
        )
        #expect(await bigHeader.next("HTTP ") == "HTTP 400 Bad Request")
        let longPath = try WebClient.connect(
            to: server,
            ["--plain", "--path", "/" + String(repeating: "a", count: 5000)]
        )
        #expect(await longPath.next("HTTP ") == "HTTP 400 Bad Request")
        let fine = try WebClient.connect(to: server, ["--plain", "--path", "/", "--extra-headers", "20"])
        #expect(await fine.next("HTTP ") == "HTTP 200 OK")
    }

    /// ALPN decides: without `http/1.1` (none offered, or only others) a client gets the line protocol, with the web
    /// side on or off; with `--web off` no client gets HTTP.
    @Test func onlyALPNHTTPGetsTheWebSide() async throws {
        let server = try await ServerProcess.start()
        let h2Only = try server.connect(extra: ["-alpn", "h2"])
        #expect(await h2Only.next("PROMPT ") == "PROMPT Enter username:")
        let http = try server.connect(extra: ["-alpn", "http/1.1"])
        http.send("GET /app.css HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r")
        #expect(await http.next("HTTP/1.1 ") == "HTTP/1.1 200 OK\r")

        let off = try await ServerProcess.start(extraArguments: ["--web", "off"])
        let offered = try off.connect(extra: ["-alpn", "http/1.1"])
        #expect(await offered.next("PROMPT ") == "PROMPT Enter username:")
        let web = try WebClient.connect(to: off, ["--plain", "--path", "/"])
        #expect(await web.next("TLS ") == "TLS TLSv1.3 ALPN None")
    }

    /// The connection limits per address count web connections as any others (they apply before TLS).
    @Test func theLimitPerAddressCountsWebConnections() async throws {
        let server = try await ServerProcess.start(limits: ["--max-connections-per-ip", "2"])
        let first = try await WebClient.login("first", on: server)
        // Holds its connection: it sends its request only when told, which it never is.
        let second = try WebClient.connect(to: server, ["--plain", "--path", "/", "--wait"])
        #expect(await second.next("TLS ") != nil)
        let third = try WebClient.connect(to: server, origin: "https://localhost:\(server.port)")
        let status = await third.waitForExit(timeout: 20)
        #expect(status != nil && status != 0, "\(third.lines) \(third.errorLines)")
        #expect(!third.lines.contains { $0.hasPrefix("TLS ") })
        #expect(await server.process.errorLine { $0.contains("connection refused") } != nil)
        first.send("ping")
        #expect(await first.next("OK ") == "OK pong")
    }

    @Test func aWebSocketThatDoesNotLogInTimesOut() async throws {
        let server = try await ServerProcess.start(extraArguments: ["--login-timeout", "5"])
        let web = try WebClient.connect(to: server, origin: "https://localhost:\(server.port)")
        #expect(await web.next("PROMPT ") == "PROMPT Enter username:")
        #expect(await web.next("BYE ") == "BYE login timed out")
        #expect(await web.next("CLOSE ") == "CLOSE 1000 ")
        #expect(await web.next("EOF") != nil)
    }
}

/// The page in a real browser: Debian's chromium, headless, driven by Playwright (`Tests/Web/browser_chat.py`),
/// trusting the test CA through an NSS database of its own. A screenshot is kept in `test-artifacts/` for a person
/// to look at.
@Suite(.timeLimit(.minutes(5)))
struct BrowserTests {
    static var browserInstalled: Bool {
        SystemPackage.chromium.isInstalled && SystemPackage.certutil.isInstalled && WebClient.hasPlaywright
    }

    @Test(
        .enabled(
            if: browserInstalled || SystemPackage.isCI,
            "needs chromium and libnss3-tools (apt-get) and Playwright (pip install playwright)"
        )
    )
    func aBrowserUserChatsWithATerminalUser() async throws {
        // The server's default rate limit: the page keeps under it.
        let server = try await ServerProcess.start(limits: [])
        let ghost = try await server.login("ghost")
        ghost.send("tata")
        #expect(await ghost.next("BYE ") != nil)
        // webby is registered, and a message waits in the inbox.
        try await server.register("webby", password: "webby-password")
        let alice = try await server.login("alice")
        alice.send("send webby waiting for you")
        #expect(await alice.next("OK ")?.hasPrefix("OK queued for webby") == true)
        let artifacts = WebClient.directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("web-chat.png").path
        let browser = try WebClient.browser(
            on: server,
            name: "webby",
            screenshot: screenshot,
            ["--password", "webby-password"]
        )
        // Generous: in `make test` chromium starts beside the whole suite on two cores (60 s for this test in CI).
        func result(_ prefix: String, timeout: Double = 60) async -> String? {
            await browser.next(timeout: timeout) {
                $0.hasPrefix(prefix) || $0.hasPrefix("FAIL") || $0.hasPrefix("SKIP")
            }
        }
        #expect(await result("LOGGED-IN", timeout: 150) == "LOGGED-IN webby", "\(browser.lines) \(browser.errorLines)")
        #expect(await alice.next("NOTICE ") == "NOTICE webby joined the conversation")
        browser.send("expect-user alice")
        #expect(await result("USER") == "USER alice")

        // The inbox, history and help are readable; the page acknowledges the inbox page it showed.
        browser.send("expect-message notice unread")
        #expect(await result("MESSAGE")?.contains("you have 1 unread message") == true)
        browser.send("type /inbox")
        browser.send("expect-message answer waiting for you")
        #expect(await result("MESSAGE")?.contains("alice") == true)
        browser.send("type /history")
        browser.send("expect-message answer waiting for you")
        #expect(await result("MESSAGE")?.contains("alice") == true)
        browser.send("type /help")
        browser.send("expect-message answer whoelse")
        #expect(await result("MESSAGE") != nil)

        alice.send("say <script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> \u{1B}[2J bold")
        browser.send("expect-message chat <script>")
        let shown = await result("MESSAGE")
        #expect(shown?.hasPrefix("MESSAGE chat scripts=0 xss=undefined text=") == true, "\(shown ?? "nothing")")
        #expect(shown?.contains("alice") == true)
        #expect(
            shown?.contains("<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> ␛[2J bold") == true
        )

        browser.send("type hello from chromium")
        #expect(await result("TYPED") == "TYPED")
        #expect(await alice.next("CHAT ") == "CHAT webby: hello from chromium")

        alice.send("send webby just for you")
        browser.send("expect-message private just for you")
        #expect(await result("MESSAGE")?.contains("alice") == true)
        alice.send("broadcast message to all")
        browser.send("expect-message broadcast to all")
        #expect(await result("MESSAGE") != nil)

        // Taken here, while the page shows every kind of line at once.
        browser.send("screenshot")
        #expect(await result("SCREENSHOT") == "SCREENSHOT \(screenshot)")
        print("screenshot of the browser test: \(screenshot)")
        browser.send("type /whoelse")
        browser.send("expect-message answer alice")
        #expect(await result("MESSAGE") != nil)
        // Answers stay with their commands after an accepted chat line (which gets no answer) and a refused command:
        // wholast's USER lines are not taken for the online list.
        browser.send("type hello again")
        #expect(await alice.next("CHAT ") == "CHAT webby: hello again")
        browser.send("type /send alice")
        browser.send("expect-message error send")
        #expect(await result("MESSAGE") != nil)
        browser.send("type /whoelse")
        browser.send("expect-message answer alice")
        #expect(await result("MESSAGE") != nil)
        browser.send("type /wholast 60")
        browser.send("expect-message answer ghost")
        #expect(await result("MESSAGE") != nil)
        browser.send("users")
        #expect(await result("USERS") == "USERS alice")
        // Typed faster than the server's rate limit: the page paces its lines, so none is refused and the answers
        // still find their commands.
        for index in 1...15 { browser.send("type burst \(index)") }
        browser.send("type /whoelse")
        for index in 1...15 { #expect(await alice.next("CHAT ") == "CHAT webby: burst \(index)") }
        browser.send("expect-message answer alice")
        #expect(await result("MESSAGE") != nil)
        browser.send("users")
        #expect(await result("USERS") == "USERS alice")

        browser.send("type /tata")
        #expect(await alice.next("NOTICE ") == "NOTICE webby left the conversation")
        browser.send("quit")
        #expect(await browser.waitForExit(timeout: 20) == 0)
        // The page sent `read` after showing the inbox: nothing is left unread.
        let webby = try await server.login("webby", password: "webby-password")
        webby.send("inbox")
        #expect(await webby.answer() == ["OK 0 messages"])
        #expect(
            !browser.lines.contains { $0.hasPrefix("CONSOLE") },
            "\(browser.lines.filter { $0.hasPrefix("CONSOLE") })"
        )
    }

    /// Connect with the name left empty: the client certificate names the user. (Playwright presents it through a
    /// TLS proxy of its own between chromium and the server.)
    @Test(
        .enabled(
            if: browserInstalled || SystemPackage.isCI,
            "needs chromium and libnss3-tools (apt-get) and Playwright (pip install playwright)"
        )
    )
    func aBrowserWithAClientCertificateLogsInByItsCommonName() async throws {
        let pki = try TestPKI.make()
        let server = try await ServerProcess.start(
            pki: pki,
            extraArguments: ["--client-auth", "optional", "--ca", pki.caCertificate]
        )
        let alice = try await server.login("alice")
        let carol = try pki.client("carol")
        let browser = try WebClient.browser(
            on: server,
            name: "carol",
            screenshot: pki.path("carol.png"),
            ["--cert", carol.cert, "--key", carol.key]
        )
        let loggedIn = await browser.next(timeout: 150) { $0.hasPrefix("LOGGED-IN") || $0.hasPrefix("FAIL") }
        #expect(loggedIn == "LOGGED-IN carol", "\(browser.lines) \(browser.errorLines)")
        #expect(await alice.next("NOTICE ") == "NOTICE carol joined the conversation")
        let login = await server.process.errorLine { $0.contains("connected [ carol ]") }
        #expect(login?.hasSuffix("ALPN http/1.1 WebSocket certificate CN=carol") == true, "\(login ?? "none")")
        browser.send("quit")
        #expect(await browser.waitForExit(timeout: 20) == 0)
    }
}
