// swift-tools-version:6.1
import PackageDescription

/// The modules that wrap a system library (`CSQLite`, `CResolv`) import everything `internal` unless
/// they say `public import`: what a host sees of them is what they chose to publish, never a C module.
let internalImports: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "swift-onboarding-engine",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "OnboardingEngine", targets: ["OnboardingEngine"]),
        .library(name: "OnboardingEngineTesting", targets: ["OnboardingEngineTesting"]),
        // The journal on PostgreSQL, for several worker hosts; a host that only wants SQLite does not build postgres-nio.
        .library(name: "OnboardingEnginePostgres", targets: ["OnboardingEnginePostgres"]),
        .library(name: "TenantSimulator", targets: ["TenantSimulator"]),
        // The support console's JSON API on Hummingbird; knows no workflow (the host supplies labels and commands).
        .library(name: "OnboardingConsole", targets: ["OnboardingConsole"]),
        .library(name: "EssentialsOnboarding", targets: ["EssentialsOnboarding"]),
        // For tests of Microsoft 365 tasks: a simulated tenant, its clients, and the person's steps that finish a run.
        .library(name: "EssentialsOnboardingTesting", targets: ["EssentialsOnboardingTesting"]),
        .executable(name: "onboard", targets: ["OnboardingHost"]),
        .executable(name: "onboarding-bench", targets: ["OnboardingBench"]),
        .executable(name: "onboarding-profile", targets: ["OnboardingProfile"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // RS256 client assertions (certificate credentials); already in the graph through AsyncHTTPClient.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Child processes in tests (spawned without Foundation's Process, waited for without polling).
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The system libsqlite3; `.ci/run` installs `libsqlite3-dev` when it is missing.
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "OnboardingEngine",
            dependencies: [
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: internalImports
        ),
        .target(
            name: "OnboardingEnginePostgres",
            dependencies: [
                "OnboardingEngine",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "OnboardingConsole",
            dependencies: [
                "OnboardingEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                // SocketAddress, for the client's address in ConsoleRequestContext (the sign-in limit).
                .product(name: "NIOCore", package: "swift-nio"),
                // Graceful shutdown closes the event streams of runs that never end by themselves.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // PBKDF2 for the users file's password hashes.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "OnboardingConsoleTests",
            dependencies: [
                "OnboardingConsole", "OnboardingEngine", "OnboardingEngineTesting", "CSQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "OnboardingEngineTesting",
            dependencies: [
                "OnboardingEngine",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "OnboardingHost",
            dependencies: [
                "OnboardingEngine", "OnboardingEnginePostgres", "TenantSimulator", "EssentialsOnboarding", "OnboardingConsole",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Examples/OnboardingHost"
        ),
        .executableTarget(
            name: "OnboardingBench",
            dependencies: [
                "OnboardingEngine", "OnboardingEngineTesting", "OnboardingEnginePostgres", "CSQLite", "EssentialsOnboarding",
                "TenantSimulator", "OnboardingConsole",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The console case: the console served on loopback.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/OnboardingBench"
        ),
        // One chain of no-op tasks over the engine alone, for callgrind (Docs/Performance.md).
        .executableTarget(
            name: "OnboardingProfile",
            dependencies: ["OnboardingEngine", "OnboardingEngineTesting", .product(name: "Logging", package: "swift-log")],
            path: "Sources/OnboardingProfile"
        ),
        // A tiny host that the crash tests start as a child process and kill with SIGKILL.
        .executableTarget(
            name: "CrashHarness",
            dependencies: ["OnboardingEngine", "OnboardingEngineTesting"],
            path: "Tests/CrashHarness"
        ),
        // glibc's resolver, so SPF lookups can be aimed at the simulator's DNS server.
        .systemLibrary(name: "CResolv", path: "Sources/CResolv"),
        // The integration guide's workflow: its tasks and real clients. Knows nothing of SQLite.
        .target(
            name: "EssentialsOnboarding",
            dependencies: [
                "OnboardingEngine", "CResolv",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: internalImports
        ),
        // Test support for task authors: SimulatedTenant (a running simulator, the clients, an engine, the person's steps).
        .target(
            name: "EssentialsOnboardingTesting",
            dependencies: [
                "EssentialsOnboarding", "OnboardingEngine", "OnboardingEngineTesting", "TenantSimulator",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EssentialsOnboardingTests",
            dependencies: [
                "EssentialsOnboarding", "EssentialsOnboardingTesting", "TenantSimulator", "OnboardingEngineTesting", "WorkflowHarness",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The real workflow as a child process for the end-to-end crash tests.
        .executableTarget(
            name: "WorkflowHarness",
            dependencies: [
                "EssentialsOnboarding", "OnboardingEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/WorkflowHarness"
        ),
        // A loopback stand-in for Microsoft 365 and Proofpoint Essentials; knows nothing of the engine.
        .target(
            name: "TenantSimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "TenantSimulatorTests",
            dependencies: [
                "TenantSimulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "OnboardingEngineTests",
            dependencies: [
                "OnboardingEngine", "OnboardingEngineTesting", "OnboardingEnginePostgres", "CrashHarness", "CSQLite",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            // A journal made by schema 1, read by path in the upgrade test.
            exclude: ["Fixtures"]
        ),
        // Every code sample of README.md and Docs/, compiled, and the sample tests run.
        .testTarget(
            name: "DocSamplesTests",
            dependencies: [
                "OnboardingEngine", "OnboardingEngineTesting", "OnboardingEnginePostgres", "EssentialsOnboarding", "TenantSimulator",
                "OnboardingConsole", "EssentialsOnboardingTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // A fresh database for the journal copy sample of Docs/Scaling.md.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "OnboardingHostTests",
            dependencies: [
                "OnboardingHost", "TenantSimulator", "OnboardingEngineTesting", "OnboardingEnginePostgres",
                .product(name: "X509", package: "swift-certificates"),
                // The browser test's WebDriver client (FoundationNetworking's URLSession fails on chromedriver's answers).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // A fresh database per PostgreSQL test, made on the test server.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
