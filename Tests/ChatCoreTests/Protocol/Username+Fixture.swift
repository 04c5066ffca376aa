import ChatCore

extension Username {
    /// A name the test knows to be valid, for argument tables; stops the run on a bad fixture.
    static func fixture(_ raw: String) -> Username {
        switch validate(raw) {
        case .success(let name): name
        case .failure(let error): preconditionFailure("bad username fixture \(raw): \(error)")
        }
    }
}
