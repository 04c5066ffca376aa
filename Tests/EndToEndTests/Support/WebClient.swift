import Foundation

/// The test-only WebSocket client (`Tests/Web/ws_client.py`, Python's `ssl` and nothing else) and the browser
/// driver (`Tests/Web/browser_chat.py`, Playwright with Debian's chromium), started against a server.
enum WebClient {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Web")

    /// The first `python3` on PATH (the one `make test`'s pip installs Playwright for).
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/python3" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    /// A WebSocket (or, with `--plain`, one HTTP request) to `server`; `arguments` go to ws_client.py.
    static func connect(
        to server: ServerProcess,
        origin: String? = nil,
        certificate: (cert: String, key: String)? = nil,
        _ arguments: [String] = []
    ) throws -> LineProcess {
        var all = [
            directory.appendingPathComponent("ws_client.py").path, "--port", "\(server.port)", "--ca",
            server.pki.caCertificate,
        ]
        if let origin { all += ["--origin", origin] }
        if let certificate { all += ["--cert", certificate.cert, "--key", certificate.key] }
        return try LineProcess(name: "ws_client", executable: python ?? "/usr/bin/python3", arguments: all + arguments)
    }

    /// A WebSocket from the server's own origin, logged in as the guest `name`.
    static func login(_ name: String, on server: ServerProcess) async throws -> LineProcess {
        let client = try connect(to: server, origin: "https://localhost:\(server.port)")
        guard await client.next("PROMPT Enter username:") != nil else {
            throw ServerProcess.LoginFailure(name: name, seen: client.lines + client.errorLines)
        }
        client.send(name)
        guard await client.next("WELCOME \(name) ") != nil else {
            throw ServerProcess.LoginFailure(name: name, seen: client.lines + client.errorLines)
        }
        return client
    }

    /// The browser driver (`browser_chat.py`), opening `server`'s page as `name`; `arguments` go to the driver.
    static func browser(
        on server: ServerProcess,
        name: String,
        screenshot: String,
        _ arguments: [String] = []
    ) throws -> LineProcess {
        try LineProcess(
            name: "browser",
            executable: python ?? "/usr/bin/python3",
            arguments: [
                directory.appendingPathComponent("browser_chat.py").path,
                "--url", "https://localhost:\(server.port)/", "--ca", server.pki.caCertificate,
                "--name", name, "--screenshot", screenshot,
            ] + arguments
        )
    }

    /// Whether Playwright for Python is there to drive the browser.
    static let hasPlaywright: Bool = {
        guard let python else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import playwright.sync_api"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}
