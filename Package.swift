// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "lambda-shift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lambda-shift", targets: ["lambda-shift"]),
        // The modules whose parsers Fuzz/ (a package of its own, built with libFuzzer) fuzzes.
        .library(
            name: "LambdaShiftParsers",
            targets: ["LambdaShiftCore", "Config", "AWSCore", "AWSServices", "Rollout", "Packaging", "CISupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // System libraries: module maps (C headers Swift can import).
        // libcurl and libcrypto are opened at first use (dlopen), not at start-up: loading them and
        // their dependencies costs milliseconds that --version and --help never need.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "COpenSSL", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // .lambda-shift.yml: a real YAML parser; the README says why. The static archive is linked,
        // so the binary gains no run-time library.
        .systemLibrary(name: "CYaml", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CDeflate", providers: [.apt(["libdeflate-dev"])]),

        // What every module shares and nothing else: the error protocol, the exit codes, and what
        // FoundationEssentials lacks (JSON reading and writing, trimming, a few system calls), and the
        // process environment as a value.
        .target(name: "LambdaShiftCore"),
        // SHA-256 (streaming), HMAC and hex/base64 through libcrypto: what packaging and signing share.
        .target(name: "Hashing", dependencies: ["LambdaShiftCore", "COpenSSL"]),
        // Signing, credentials, endpoints, HTTP over libcurl, retries, error decoding, codecs.
        .target(name: "AWSCore", dependencies: ["LambdaShiftCore", "Hashing", "CCurl", "COpenSSL"]),
        // Build-tree walk, deterministic parallel zip writer, digest in the same pass.
        .target(
            name: "Packaging", dependencies: ["LambdaShiftCore", "Hashing", "CZlib", "CDeflate"],
            linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libdeflate.a"])]),
        // Settings: the file, key templates, the branch map.
        .target(
            name: "Config", dependencies: ["LambdaShiftCore", "CYaml"],
            linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libyaml.a"])]),
        // Everything about the CI in one place: detection, provenance (CI variables or git), secret
        // variable names, the OIDC token source; reporters: GitHub, GitLab, plain, terminal.
        .target(name: "CISupport", dependencies: ["LambdaShiftCore", "AWSCore"]),
        // The seams between the stages and AWS: FunctionAPI, AliasAPI, ArtifactStore, MetricsAPI,
        // IdentityAPI (the real clients conform; tests hand in fakes).
        .target(name: "Ports", dependencies: ["Hashing", "AWSCore", "AWSServices", "LambdaShiftCore"]),
        // The release stage, before any traffic moves: the artifact (skip when unchanged, upload
        // with sidecars) and the code update (update, publish, readiness, the baseline off $LATEST).
        .target(
            name: "Release",
            dependencies: [
                "LambdaShiftCore", "Hashing", "AWSCore", "AWSServices", "Packaging", "Config", "CISupport", "Ports",
            ]),
        // The rollout: strategies, gates (canary analysis), the engine that shifts, watches and
        // restores, the deploy history on the alias, version pruning.
        .target(name: "Rollout", dependencies: ["LambdaShiftCore", "Hashing", "AWSCore", "AWSServices", "Ports"]),
        // The deploy as a library: settings resolved once into a typed plan, then the pipeline
        // (preflight, package, artifact, code update, readiness, smoke, shift, prune) over ports,
        // and the operator commands over the same ports.
        .target(
            name: "Pipeline",
            dependencies: [
                "LambdaShiftCore", "Hashing", "AWSCore", "AWSServices", "Packaging", "Config", "Ports", "Release",
                "Rollout", "CISupport",
            ]),
        // Typed calls to STS, S3, Lambda and CloudWatch: only what lambda-shift uses.
        .target(name: "AWSServices", dependencies: ["LambdaShiftCore", "Hashing", "AWSCore"]),
        // The command line as a library, so tests can parse and run commands. It parses and
        // renders; what a command does lives in Pipeline, over the ports, so it imports no AWS layer.
        .target(
            name: "LambdaShiftCLI",
            dependencies: [
                "LambdaShiftCore", "Config", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "lambda-shift", dependencies: ["LambdaShiftCLI"]),
        // The upload, and packaging with it, alone, timed by scripts/bench. Not shipped.
        .executableTarget(
            name: "lambda-shift-bench",
            dependencies: ["AWSCore", "AWSServices", "Hashing", "LambdaShiftCore", "Packaging", "Ports", "Rollout"]
        ),

        // Test doubles shared by the test targets: a scripted transport, a recording sleeper, a manual clock.
        .target(name: "TestSupport", dependencies: ["AWSCore"], path: "Tests/TestSupport"),
        // In-memory Lambda, S3, CloudWatch and STS behind the ports, with Lambda's alias rules
        // written once (AliasRules): the in-process tests of the engine, the pipeline and the
        // operator commands share them.
        .target(
            name: "Fakes", dependencies: ["AWSCore", "AWSServices", "Hashing", "Ports"], path: "Tests/Fakes"),
        .testTarget(
            name: "AWSCoreTests", dependencies: ["AWSCore", "Hashing", "LambdaShiftCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "AWSServicesTests", dependencies: ["AWSServices", "AWSCore", "Hashing", "TestSupport"]),
        .testTarget(name: "PackagingTests", dependencies: ["Packaging", "AWSCore", "Hashing", "TestSupport"]),
        .testTarget(name: "LambdaShiftCoreTests", dependencies: ["LambdaShiftCore", "TestSupport"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "CISupport", "LambdaShiftCore", "TestSupport"]),
        .testTarget(name: "CISupportTests", dependencies: ["CISupport", "AWSCore", "LambdaShiftCore", "TestSupport"]),
        .testTarget(
            name: "RolloutTests", dependencies: ["Rollout", "Ports", "AWSCore", "AWSServices", "Fakes", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "AWSCore", "AWSServices", "Hashing", "LambdaShiftCore", "Packaging", "Config", "Release", "Rollout",
                "CISupport", "TestSupport",
            ]),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "LambdaShiftCLI", "Config", "Pipeline", "AWSCore", "AWSServices", "LambdaShiftCore", "Fakes",
                "TestSupport",
            ]),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "Pipeline", "LambdaShiftCore", "Ports", "Rollout", "AWSServices", "AWSCore", "Hashing",
                "CISupport", "Config", "Fakes", "TestSupport",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
