import ArgumentParser
import NIOCore
import SecureChatTLS

/// `tls`: our TLS layer alone, in memory, on one thread: the server side's CPU per full handshake and per record,
/// without sockets, the kernel or the chat server. It is the floor under `handshake` and `fanout`: what OpenSSL 3
/// plus ``TLSHandler`` cost on this machine before any system call is made.
struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "The TLS layer in memory (no sockets, no server): server CPU per full handshake and per record.",
        discussion: """
            Runs a client and a server TLSHandler back to back in this process, with the server's certificate and \
            key, and charges the server side's thread CPU time. Compare with `handshake` and `fanout` against the \
            real server: the difference is the kernel, NIO's sockets and the chat server itself.
            """
    )

    @Option(
        help: ArgumentHelp("The server's PEM certificate chain (as given to securechat-server).", valueName: "file")
    )
    var cert: String

    @Option(help: ArgumentHelp("The server's PEM private key.", valueName: "file"))
    var key: String

    @Option(
        help: ArgumentHelp(
            "PEM CA certificate to verify the server with (default: no verification).",
            valueName: "file"
        )
    )
    var ca: String?

    @Option(help: ArgumentHelp("TLS 1.3 session tickets per handshake (as the server's option).", valueName: "n"))
    var sessionTickets: Int = 1

    @Option(name: .customShort("m"), help: ArgumentHelp("Full handshakes to run.", valueName: "M"))
    var handshakes: Int = 2000

    @Option(name: .customShort("r"), help: ArgumentHelp("Records the server writes after a handshake.", valueName: "R"))
    var records: Int = 100_000

    @Option(name: .customShort("s"), help: ArgumentHelp("Bytes per line the server writes.", valueName: "S"))
    var size: Int = 100

    @Option(help: ArgumentHelp("Lines per record (per flush); the fan-out coalesces what waits.", valueName: "n"))
    var linesPerRecord: Int = 1

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard handshakes >= 1, records >= 1, size >= 1, linesPerRecord >= 1 else {
            throw ValidationError("Please give -m, -r, -s and --lines-per-record of at least 1.")
        }
        guard (0...8).contains(sessionTickets) else {
            throw ValidationError("Please give --session-tickets from 0 to 8.")
        }
    }

    func run() throws {
        var serverConfiguration = TLSConfiguration.server(certificateChainPath: cert, privateKeyPath: key)
        serverConfiguration.sessionTickets = sessionTickets
        let serverContext = try TLSContext(configuration: serverConfiguration)
        let clientContext = try TLSContext(
            configuration: .client(
                serverHostname: "localhost",
                trustRootsPath: ca,
                serverVerification: ca == nil ? .none : .full
            )
        )

        let progress = ProgressLine("tls")
        var handshakeNanos: UInt64 = 0
        for index in 0..<handshakes {
            let pair = try InMemoryTLSPair(client: clientContext, server: serverContext)
            try pair.handshake()
            try pair.close()
            handshakeNanos += pair.serverNanos
            if index % 500 == 499 { progress.update("\(index + 1)/\(handshakes) handshakes") }
        }

        let pair = try InMemoryTLSPair(client: clientContext, server: serverContext)
        try pair.handshake()
        let before = pair.serverNanos
        var line = ByteBuffer(repeating: UInt8(ascii: "x"), count: size - 1)
        line.writeString("\n")
        try pair.serverWrites(line, count: records, linesPerRecord: linesPerRecord)
        let recordNanos = pair.serverNanos - before
        try pair.close()
        progress.finish()

        let recordCount = (records + linesPerRecord - 1) / linesPerRecord
        var report = BenchReport(
            mode: "tls",
            label: output.label,
            parameters: [
                "handshakes": "\(handshakes)", "records": "\(records)", "size": "\(size)",
                "lines_per_record": "\(linesPerRecord)", "session_tickets": "\(sessionTickets)",
            ]
        )
        report.add("handshakes", "handshakes completed", Double(handshakes))
        report.add(
            "server_cpu_us_per_handshake",
            "server CPU per handshake (in memory)",
            Double(handshakeNanos) / 1000 / Double(handshakes),
            "µs"
        )
        report.add(
            "server_cpu_us_per_record",
            "server CPU per record (in memory)",
            Double(recordNanos) / 1000 / Double(recordCount),
            "µs"
        )
        report.add(
            "server_cpu_us_per_line",
            "server CPU per line (in memory)",
            Double(recordNanos) / 1000 / Double(records),
            "µs"
        )
        try output.publish(report)
    }
}
