/// A reason the server cannot start, said in one line.
struct StartupError: Error, CustomStringConvertible {
    /// The one-line reason.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
