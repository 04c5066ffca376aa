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
        help: ArgumentHelp(
            "PEM CA certificate that signs the server's certificate; without it the certificate is not checked.",
            valueName: "file"
        )
    )
    var ca: String?

    @Option(
        help: ArgumentHelp(
            "The server's process id: adds its CPU time per unit of work and its memory.",
            valueName: "pid"
        )
    )
    var serverPid: Int32?

    @Option(
        help: ArgumentHelp(
            "The server's protocol: securechat, or mqtt (Mosquitto) or irc (ngIRCd), to measure those servers the "
                + "same way. Their connections join the topic or channel 'bench'.",
            valueName: "protocol"
        )
    )
    var peer: PeerProtocol = .securechat

    @OptionGroup var output: OutputOptions

    /// The run's name in the table and the JSON.
    var label: String? { output.label }

    @Option(help: ArgumentHelp("Event-loop threads of the load generator.", valueName: "n"))
    var clientThreads: Int = 2

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("Please give a port between 1 and 65535.") }
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
        return BenchConnector(
            host: host,
            port: port,
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
