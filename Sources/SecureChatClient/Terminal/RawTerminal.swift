#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns the terminal's mode while the interactive client runs: puts it into raw mode (no line buffering, no
/// echo, no signals from Ctrl-C/Ctrl-Z, no CR/LF translation on input) and restores the saved settings in
/// ``restore()``, in `deinit`, and at process exit (an `atexit` hook), whichever comes first.
///
/// Signals that would end the process (SIGTERM, SIGHUP, SIGINT) are turned into events by ``SignalEvents``, so the
/// session ends through the same path that calls ``restore()``.
final class RawTerminal {
    private let fileDescriptor: Int32
    private let saved: termios
    private var isRestored = false

    /// Switches `fileDescriptor` (a terminal) into raw mode.
    ///
    /// - Throws: ``ClientError`` when the descriptor is not a terminal or its settings cannot be changed.
    init(fileDescriptor: Int32 = STDIN_FILENO) throws {
        var original = termios()
        guard tcgetattr(fileDescriptor, &original) == 0 else {
            throw ClientError(.terminal, detail: "cannot read the terminal settings (errno \(errno))")
        }
        var raw = original
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        raw.c_cflag |= tcflag_t(CS8)
        // Output processing (LF → CRLF) stays on, so a stray newline still starts a new row.
        withUnsafeMutableBytes(of: &raw.c_cc) { controlCharacters in
            controlCharacters[Int(VMIN)] = 1
            controlCharacters[Int(VTIME)] = 0
        }
        guard tcsetattr(fileDescriptor, TCSAFLUSH, &raw) == 0 else {
            throw ClientError(.terminal, detail: "cannot switch the terminal to raw mode (errno \(errno))")
        }
        self.fileDescriptor = fileDescriptor
        self.saved = original
        RawTerminal.installExitHook(fileDescriptor: fileDescriptor, settings: original)
    }

    deinit {
        restore()
    }

    /// Puts the saved settings back. Safe to call more than once.
    func restore() {
        guard !isRestored else {
            return
        }
        isRestored = true
        var settings = saved
        _ = tcsetattr(fileDescriptor, TCSAFLUSH, &settings)
        RawTerminal.clearExitHook()
    }

    /// The terminal's width in columns, or 80 when it cannot be asked.
    static func columns(fileDescriptor: Int32 = STDOUT_FILENO) -> Int {
        var size = winsize()
        if ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return 80
    }

    /// Whether `fileDescriptor` is a terminal.
    static func isTerminal(_ fileDescriptor: Int32) -> Bool {
        isatty(fileDescriptor) == 1
    }

    // The settings to restore if the process exits while raw mode is on (for example `exit()` after an error).
    // Written only on the main task before and after raw mode, read by the atexit hook.
    nonisolated(unsafe) private static var exitHookSettings: (Int32, termios)?
    nonisolated(unsafe) private static var exitHookInstalled = false

    private static func installExitHook(fileDescriptor: Int32, settings: termios) {
        exitHookSettings = (fileDescriptor, settings)
        guard !exitHookInstalled else {
            return
        }
        exitHookInstalled = true
        atexit {
            guard let (descriptor, settings) = RawTerminal.exitHookSettings else {
                return
            }
            var copy = settings
            _ = tcsetattr(descriptor, TCSAFLUSH, &copy)
        }
    }

    private static func clearExitHook() {
        exitHookSettings = nil
    }
}
