import ChatCore
import SecureChatStore
import Testing

/// Reading `--database postgres://…` and libpq's environment variables: no server needed.
@Suite struct PostgresStoreConfigurationTests {
    @Test func aFullURLIsReadAndPercentDecoded() throws {
        let configuration = try PostgresStoreConfiguration(
            url:
                "postgresql://chat%40ops:p%2Fss%3Aword@db.example.org:6543/chat_prod?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            environment: ["PGUSER": "ignored", "PGPASSWORD": "ignored"]
        )
        #expect(configuration.host == "db.example.org")
        #expect(configuration.port == 6543)
        #expect(configuration.user == "chat@ops")
        #expect(configuration.password == "p/ss:word")
        #expect(configuration.database == "chat_prod")
        #expect(configuration.tlsMode == .verifyFull)
        #expect(configuration.caFile == "/etc/ca.pem")
    }

    @Test func whatTheURLLeavesOutComesFromTheEnvironmentThenFromLibpqDefaults() throws {
        let fromEnvironment = try PostgresStoreConfiguration(
            url: "postgres://",
            environment: [
                "PGHOST": "10.0.0.5", "PGPORT": "5433", "PGUSER": "chat", "PGPASSWORD": "secret",
                "PGDATABASE": "chatdb", "PGSSLMODE": "require",
            ]
        )
        #expect(fromEnvironment.host == "10.0.0.5")
        #expect(fromEnvironment.port == 5433)
        #expect(fromEnvironment.user == "chat")
        #expect(fromEnvironment.password == "secret")
        #expect(fromEnvironment.database == "chatdb")
        #expect(fromEnvironment.tlsMode == .require)

        let defaults = try PostgresStoreConfiguration(url: "postgres://", environment: ["USER": "alice"])
        #expect(defaults.host == "localhost")
        #expect(defaults.port == 5432)
        #expect(defaults.user == "alice")
        #expect(defaults.password == nil)
        #expect(defaults.database == "alice")
        #expect(defaults.tlsMode == .prefer)
    }

    @Test func aSocketDirectoryIsAHostThatIsAPath() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgres://chat@/chatdb?host=/var/run/postgresql",
            environment: [:]
        )
        #expect(configuration.host == nil)
        #expect(configuration.socketDirectory == "/var/run/postgresql")
        #expect(configuration.serverDescription.hasPrefix("/var/run/postgresql"))
    }

    @Test func requireWithACAFileVerifiesTheChainAsLibpqDoes() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgres://chat@db/chat?sslmode=require&sslrootcert=/ca.pem",
            environment: [:]
        )
        #expect(configuration.tlsMode == .verifyCA)
    }

    @Test(arguments: [
        ("postgres://chat@db:notaport/chat", "the port is not a number"),
        ("postgres://chat@db:70000/chat", "between 1 and 65535"),
        ("postgres://chat@db/chat?sslmode=always", "unknown sslmode 'always'"),
        ("postgres://chat@db/chat?sslmode=verify-full", "needs a CA file"),
        ("postgres://chat@db/chat?colour=blue", "unknown parameter 'colour'"),
        ("postgres://chat@db/chat?connect_timeout=soon", "connect_timeout"),
        ("postgres://chat@/chat?host=/run/pg&sslmode=require", "Unix socket"),
    ])
    func aBadURLIsRefusedWithItsReason(url: String, reason: String) {
        #expect {
            _ = try PostgresStoreConfiguration(url: url, environment: ["USER": "x"])
        } throws: { error in
            let error = error as? StoreError
            return error == .cannotOpen && error?.detail.contains(reason) == true
        }
    }

    @Test func thePasswordNeverAppearsInWhatIsLoggedNorInErrors() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgres://chat:hunter2@db:5432/chat?sslmode=require",
            environment: [:]
        )
        #expect(configuration.redacted == "postgres://chat:***@db:5432/chat?sslmode=require")
        #expect {
            _ = try PostgresStoreConfiguration(url: "postgres://chat:hunter2@db:bad/chat", environment: [:])
        } throws: { error in
            (error as? StoreError)?.detail.contains("hunter2") == false
        }
    }

    @Test func onlyPostgresURLsNameAPostgresServer() {
        #expect(PostgresStoreConfiguration.isPostgresURL("postgres://x"))
        #expect(PostgresStoreConfiguration.isPostgresURL("PostgreSQL://x"))
        #expect(!PostgresStoreConfiguration.isPostgresURL("data/securechat.sqlite"))
        #expect(!PostgresStoreConfiguration.isPostgresURL("/var/lib/postgres://odd.sqlite"))
    }
}
