import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress report on stderr, rewritten in place on a terminal and printed about every few seconds
/// otherwise; the last state is kept on screen by `finish()`.
struct ProgressLine: Sendable {
    let title: String
    private let isTerminal = isatty(STDERR_FILENO) == 1

    init(_ title: String) {
        self.title = title
    }

    func update(_ text: String) {
        let line = "\(title): \(text)"
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Calls `text` every `interval` seconds and prints it, until the returned task is cancelled.
    func every(_ interval: Double, _ text: @escaping @Sendable () -> String) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                if Task.isCancelled { break }
                update(text())
            }
        }
    }
}
