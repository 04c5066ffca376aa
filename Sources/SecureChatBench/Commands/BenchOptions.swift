import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SecureChatTLS

/// Options every mode shares: where the server is, how to trust it, and where the results go.
struct BenchOptions: ParsableArguments {
    @Option(help: "Address of the server.")
    var host: String = "127.0.0.1"

    @Option(name: .shortAndLong, help: "Port of the server.")
    var port: Int = 7443

    @Option(
        name: .customLong("server"),
        help: ArgumentHelp(
            "host:port of a server, repeated for the nodes of a cluster: connections go to each in turn (instead "
                + "of --host and --port).",
            valueName: "host:port"
        )
    )
    var servers: [String] = []

    @Option(
        help: ArgumentHelp(
            "PEM CA certificate that signs the server's certificate; without it the certificate is not checked.",
            valueName: "file"
        )
    )
    var ca: String?

    @Option(
        name: .customLong("server-pid"),
        help: ArgumentHelp(
            "The server's process id: adds its CPU time per unit of work and its memory. Repeated for a cluster: "
                + "their CPU is added up (the memory is the first one's).",
            valueName: "pid"
        )
    )
    var serverPids: [Int32] = []

    /// The (first) server's process id.
    var serverPid: Int32? { serverPids.first }

    @Option(
        help: ArgumentHelp(
            "The server's protocol: securechat, or mqtt (Mosquitto) or irc (ngIRCd), to measure those servers the "
                + "same way (their connections join the topic or channel 'bench'), or websocket: SecureChat's lines "
                + "over its WebSocket.",
            valueName: "protocol"
        )
    )
    var peer: PeerProtocol = .securechat

    @OptionGroup var output: OutputOptions

    /// The run's name in the table and the JSON.
    var label: String? { output.label }

    @Option(help: ArgumentHelp("Event-loop threads of the load generator.", valueName: "n"))
    var clientThreads: Int = 2

    /// Where connections go, in turn.
    func endpoints() throws -> [BenchConnector.Endpoint] {
        guard !servers.isEmpty else { return [BenchConnector.Endpoint(host: host, port: port)] }
        return try servers.map { server in
            guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]),
                (1...65535).contains(port)
            else { throw ValidationError("Please give --server as host:port, not '\(server)'.") }
            return BenchConnector.Endpoint(host: String(server[..<colon]), port: port)
        }
    }

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("Please give a port between 1 and 65535.") }
        _ = try endpoints()
        guard clientThreads >= 1 else { throw ValidationError("Please give --client-threads of at least 1.") }
    }

    /// Runs `body` with a connector that has its own event loops, and shuts them down afterwards. With
    /// `resumingSessions` its connections offer the newest session ticket the server sent.
    func withConnector(
        resumingSessions: Bool = false,
        _ body: (BenchConnector) async throws -> Void
    ) async throws {
        let connector = try makeConnector(resumingSessions: resumingSessions)
        do {
            try await body(connector)
        } catch {
            try? await connector.group.shutdownGracefully()
            throw error
        }
        try? await connector.group.shutdownGracefully()
    }

    private func makeConnector(resumingSessions: Bool) throws -> BenchConnector {
        var tls = TLSConfiguration.client(
            serverHostname: host,
            trustRootsPath: ca,
            serverVerification: ca == nil ? .none : .full
        )
        tls.resumesSessions = resumingSessions
        if peer == .websocket { tls.applicationProtocols = ["http/1.1"] }
        return BenchConnector(
            endpoints: try endpoints(),
            context: try TLSContext(configuration: tls),
            group: MultiThreadedEventLoopGroup(numberOfThreads: clientThreads),
            peer: peer
        )
    }

    /// Prints the table and writes the JSON file if asked.
    func publish(_ report: BenchReport) throws {
        try output.publish(report)
    }
}

/// A run that cannot produce its figures.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
