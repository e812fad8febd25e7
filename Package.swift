// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-onboarding-engine",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "OnboardingEngine", targets: ["OnboardingEngine"]),
        .library(name: "OnboardingEngineTesting", targets: ["OnboardingEngineTesting"]),
        .executable(name: "onboard", targets: ["OnboardingHost"]),
        .executable(name: "onboarding-bench", targets: ["OnboardingBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
            ]
        ),
        .target(
            name: "OnboardingEngineTesting",
            dependencies: ["OnboardingEngine"]
        ),
        .executableTarget(
            name: "OnboardingHost",
            dependencies: [
                "OnboardingEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/OnboardingHost"
        ),
        .executableTarget(
            name: "OnboardingBench",
            dependencies: ["OnboardingEngine", "OnboardingEngineTesting", "CSQLite"],
            path: "Sources/OnboardingBench"
        ),
        // A tiny host that the crash tests start as a child process and kill with SIGKILL.
        .executableTarget(
            name: "CrashHarness",
            dependencies: ["OnboardingEngine", "OnboardingEngineTesting"],
            path: "Tests/CrashHarness"
        ),
        .testTarget(
            name: "OnboardingEngineTests",
            dependencies: [
                "OnboardingEngine", "OnboardingEngineTesting", "CrashHarness", "CSQLite",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "OnboardingHostTests",
            dependencies: ["OnboardingHost"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
