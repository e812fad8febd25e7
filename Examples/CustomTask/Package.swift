// swift-tools-version:6.1
import PackageDescription

// A task author's own package: a task added to the Microsoft 365 workflow, with a simulator-backed
// test that runs the workflow to the end, crashes the task with SIGKILL and resumes it from a
// fresh process. It depends on the engine by path, so only its public API is visible, as it is to
// a package that depends on a release (`.package(url: "https://…/swift-onboarding-engine.git", from: …)`).

let package = Package(
    name: "CustomTask",
    platforms: [.macOS(.v15)],
    dependencies: [
        // From a release: .package(url: "https://github.com/OWNER/swift-onboarding-engine.git", from: "1.0.0")
        .package(name: "swift-onboarding-engine", path: "../.."),
    ],
    targets: [
        // The task: depends on the workflow's module (its clients and building blocks) and the engine.
        .target(
            name: "TagExternalMail",
            dependencies: [
                .product(name: "EssentialsOnboarding", package: "swift-onboarding-engine"),
                .product(name: "OnboardingEngine", package: "swift-onboarding-engine"),
            ]
        ),
        // A host for the crash test: the workflow with the task, run as a child process and killed.
        .executableTarget(
            name: "CustomTaskHost",
            dependencies: [
                "TagExternalMail",
                .product(name: "EssentialsOnboarding", package: "swift-onboarding-engine"),
                .product(name: "EssentialsOnboardingTesting", package: "swift-onboarding-engine"),
                .product(name: "OnboardingEngine", package: "swift-onboarding-engine"),
                .product(name: "OnboardingEngineTesting", package: "swift-onboarding-engine"),
            ]
        ),
        .testTarget(
            name: "TagExternalMailTests",
            dependencies: [
                "TagExternalMail",
                "CustomTaskHost",  // built before the tests, which start it
                .product(name: "EssentialsOnboarding", package: "swift-onboarding-engine"),
                .product(name: "EssentialsOnboardingTesting", package: "swift-onboarding-engine"),
                .product(name: "OnboardingEngine", package: "swift-onboarding-engine"),
                .product(name: "OnboardingEngineTesting", package: "swift-onboarding-engine"),
                .product(name: "TenantSimulator", package: "swift-onboarding-engine"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
