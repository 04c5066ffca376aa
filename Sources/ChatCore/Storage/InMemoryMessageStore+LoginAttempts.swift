extension InMemoryMessageStore {
    public func loginAttempts(name: String, source: String) throws -> LoginAttempts {
        try self.checkOpen()
        return LoginAttempts(record: self.loginRecords[name]?[source], budget: self.loginBudgets[name])
    }

    public func updateLoginAttempts<Result: Sendable>(
        name: String,
        source: String,
        _ change: @escaping @Sendable (inout LoginAttempts) -> Result
    ) throws -> Result {
        var attempts = try loginAttempts(name: name, source: source)
        let result = change(&attempts)
        self.loginRecords[name, default: [:]][source] = attempts.record
        self.loginBudgets[name] = attempts.budget
        return result
    }
}
