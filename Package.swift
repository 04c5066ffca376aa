// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "SecureChat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "securechat-server", targets: ["SecureChatServer"]),
        .executable(name: "securechat-client", targets: ["SecureChatClient"]),
        .executable(name: "securechat-bench", targets: ["SecureChatBench"]),
        .executable(name: "securechat-ctl", targets: ["SecureChatControl"]),
        .executable(name: "securechat-record-fuzz", targets: ["SecureChatRecordFuzz"]),
        .library(name: "SecureChatTLS", targets: ["SecureChatTLS"]),
        .library(name: "ChatCore", targets: ["ChatCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "SecureChatTLS",
            dependencies: [
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ChatCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ChatTransport",
            dependencies: [
                "ChatCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SecureChatStore",
            dependencies: [
                "ChatCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SecureChatServer",
            dependencies: [
                "ChatCore",
                "ChatTransport",
                "SecureChatTLS",
                "SecureChatStore",
                "SecureChatWeb",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SecureChatControl",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            swiftSettings: strictSettings
        ),
        // The browser's way in: HTTP for the page, WebSocket for the lines (docs/WEB.md).
        .target(
            name: "SecureChatWeb",
            dependencies: [
                "ChatTransport",
                "SecureChatTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            resources: [
                .embedInCode("Assets/index.html"),
                .embedInCode("Assets/app.js"),
                .embedInCode("Assets/app.css"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecureChatWebTests",
            dependencies: [
                "SecureChatWeb",
                "ChatTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SecureChatSealing",
            dependencies: ["COpenSSL", "SecureChatTLS"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SecureChatClient",
            dependencies: [
                "ChatCore",
                "ChatTransport",
                "SecureChatTLS",
                "SecureChatSealing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecureChatTLSTests",
            dependencies: [
                "SecureChatTLS",
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "SecureChatRecordFuzz",
            dependencies: ["SecureChatTLS", "CFuzzerDriver"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SecureChatBench",
            dependencies: [
                "ChatCore",
                "ChatTransport",
                "SecureChatSealing",
                "SecureChatStore",
                "SecureChatTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecureChatSealingTests",
            dependencies: ["SecureChatSealing"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ChatCoreTests",
            dependencies: [
                "ChatCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ChatTransportTests",
            dependencies: [
                "ChatTransport",
                "ChatCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecureChatServerTests",
            dependencies: [
                "SecureChatServer",
                "SecureChatTLS",
                "ChatCore",
                "ChatTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecureChatBenchTests",
            dependencies: [
                "SecureChatBench",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecureChatClientTests",
            dependencies: [
                "SecureChatClient",
                "ChatCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // Throw-away PostgreSQL servers for the tests (scripts/test-postgres.sh).
        .target(
            name: "PostgresTestSupport",
            path: "Tests/PostgresTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ChatCore", "PostgresTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecureChatStoreTests",
            dependencies: [
                "SecureChatStore", "ChatCore", "PostgresTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
