import ArgumentParser
import Foundation
import SecureChatSealing

/// `sealing`: what a sealed message costs the clients (docs/SEALED.md), in this process: sealing (sign, then encrypt
/// to the recipient and the sender) and opening (decrypt, check the signature, the signer's certificate and the
/// signed sender, recipient and time), and how many bytes a text becomes on the wire. The server's part is a `send`'s.
struct SealingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealing",
        abstract: "Sealed messages in this process (no server): seals and opens per second, CPU and size of each.",
        discussion: """
            Needs two users' certificates and keys from one CA, fit for sealing (`make client-cert NAME=…` issues \
            them): the sender's (--cert, --key) and the recipient's (--to-cert, --to-key).
            """
    )

    @Option(help: ArgumentHelp("The sender's certificate (PEM).", valueName: "file"))
    var cert: String

    @Option(help: ArgumentHelp("The sender's private key (PEM).", valueName: "file"))
    var key: String

    @Option(help: ArgumentHelp("The recipient's certificate (PEM).", valueName: "file"))
    var toCert: String

    @Option(help: ArgumentHelp("The recipient's private key (PEM).", valueName: "file"))
    var toKey: String

    @Option(help: ArgumentHelp("The CA both certificates come from (PEM).", valueName: "file"))
    var ca: String

    @Option(name: .customShort("k"), help: ArgumentHelp("Messages to seal, then open.", valueName: "K"))
    var messages: Int = 2000

    @Option(name: .customShort("s"), help: ArgumentHelp("Bytes of text per message.", valueName: "S"))
    var size: Int = 100

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard messages >= 1, size >= 1 else { throw ValidationError("Please give -k and -s of at least 1.") }
    }

    func run() throws {
        let sender = try SealingIdentity(certificateFile: cert, keyFile: key)
        let recipient = try SealingIdentity(certificateFile: toCert, keyFile: toKey)
        let trust = try UserTrust(caFile: ca)
        guard let from = sender.name, let to = recipient.name else {
            throw ValidationError("Both certificates need a CN.")
        }
        let text = String(repeating: "m", count: size)
        let recipients = [recipient.certificate, sender.certificate]

        var sealed: [[UInt8]] = []
        sealed.reserveCapacity(messages)
        let sealCPU = ServerStats.ownCPUSeconds()
        let sealStart = MonotonicClock.micros()
        for _ in 0..<messages {
            let content = SealedContent(from: from, to: to, date: Date(), text: text)
            sealed.append(try Sealer.seal(content, by: sender, to: recipients))
        }
        let sealSeconds = MonotonicClock.seconds(since: sealStart)
        let sealCPUSeconds = ServerStats.ownCPUSeconds() - sealCPU

        let openCPU = ServerStats.ownCPUSeconds()
        let openStart = MonotonicClock.micros()
        var verified = 0
        let envelope = Opener.Envelope(from: from, to: to, receivedAt: Date())
        for message in sealed {
            let opened = try Opener.open(message, with: recipient, trust: trust, envelope: envelope)
            if opened.isVerified, opened.content.text == text { verified += 1 }
        }
        let openSeconds = MonotonicClock.seconds(since: openStart)
        let openCPUSeconds = ServerStats.ownCPUSeconds() - openCPU

        let wireBytes = Data(sealed[0]).base64EncodedString().utf8.count + "seal \(to) ".utf8.count
        var report = BenchReport(
            mode: "sealing",
            label: output.label,
            parameters: ["messages": "\(messages)", "size": "\(size)"]
        )
        report.add("verified", "messages opened and verified", Double(verified))
        report.add("seals_per_second", "seals/s (one thread)", Double(messages) / sealSeconds, "1/s")
        report.add("cpu_us_per_seal", "CPU per seal", sealCPUSeconds * 1e6 / Double(messages), "µs")
        report.add("opens_per_second", "opens/s (one thread)", Double(messages) / openSeconds, "1/s")
        report.add("cpu_us_per_open", "CPU per open", openCPUSeconds * 1e6 / Double(messages), "µs")
        report.add("der_bytes", "sealed message (DER)", Double(sealed[0].count), "B")
        report.add("seal_line_bytes", "`seal` line on the wire", Double(wireBytes), "B")
        try output.publish(report)
    }
}
