import ArgumentParser

/// `securechat-bench`: load generator and measurements for `securechat-server`.
@main
struct SecureChatBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "securechat-bench",
        abstract: "Measures a running securechat-server: handshakes, idle connections, fan-out and offline messages.",
        discussion: """
            Start the server with relaxed limits first (see docs/BENCHMARKS.md, or run `make bench`). With \
            --server-pid every mode also reports the server's CPU time per unit of work and its memory.
            """,
        version: "0.1.0",
        subcommands: [
            HandshakeCommand.self, IdleCommand.self, FanoutCommand.self, OfflineCommand.self, StoreCommand.self,
            TLSCommand.self, SealingCommand.self,
            ReportCommand.self,
        ]
    )
}
