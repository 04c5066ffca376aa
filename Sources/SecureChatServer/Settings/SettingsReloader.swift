import Synchronization

/// Reads the settings again on reload (SIGHUP, `securechat-ctl reload`) and says what changed: what the running
/// server applies, and what waits for a restart.
final class SettingsReloader: Sendable {
    struct Outcome: Sendable {
        /// The settings read; the server applies only the live ones (``ServerOptions/Setting/live``).
        let configuration: ServerConfiguration
        let options: ServerOptions
        /// Live settings whose value changed since the last reload.
        let applied: [String]
        /// Settings that differ from what the server started with, and wait for a restart.
        let needRestart: [String]
    }

    let source: SettingsSource
    private let started: ServerOptions
    private let current: Mutex<ServerOptions>

    init(source: SettingsSource, started: ServerOptions) {
        self.source = source
        self.started = started
        self.current = Mutex(started)
    }

    /// Reads the settings again and says what differs; on a problem the problems are thrown. Nothing counts as in
    /// force until ``accept(_:)``.
    func reload() throws(SettingsProblems) -> Outcome {
        let next = try source.load()
        let previous = current.withLock { $0 }
        let settings = ServerOptions.settings
        return Outcome(
            configuration: next.makeConfiguration(),
            options: next,
            applied: settings.filter { $0.live && $0.value(previous) != $0.value(next) }.map(\.name),
            needRestart: settings.filter { !$0.live && $0.value(started) != $0.value(next) }.map(\.name)
        )
    }

    /// The server applied `outcome`: the next reload compares with it.
    func accept(_ outcome: Outcome) {
        current.withLock { $0 = outcome.options }
    }
}
