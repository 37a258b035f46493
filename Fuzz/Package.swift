// swift-tools-version: 6.0
import PackageDescription

// One libFuzzer program per parser of lambda-shift, each checking a property of what it parses
// (see each target's main.swift). A package of its own, so `swift build --build-tests` of the
// main package builds none of it; scripts/fuzz builds it with -sanitize=fuzzer,address.
let fuzzTargets = [
    "fuzz-yaml", "fuzz-settings", "fuzz-json", "fuzz-xml", "fuzz-strategy", "fuzz-ignore", "fuzz-key-template",
    "fuzz-deploy-history", "fuzz-dotenv", "fuzz-lambda-report", "fuzz-bucket-policy",
]

let package = Package(
    name: "lambda-shift-fuzz",
    dependencies: [.package(name: "lambda-shift", path: "..")],
    targets: [
        // LLVMFuzzerRunDriver, libFuzzer's entry point for a program with a main of its own.
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
    ]
        + fuzzTargets.map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "LambdaShiftParsers", package: "lambda-shift")])
        },
    swiftLanguageModes: [.v6]
)
