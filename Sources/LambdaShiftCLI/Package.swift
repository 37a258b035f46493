import Config
import CISupport
import AWSCore
import ArgumentParser
import Foundation
import Packaging

/// Where the package comes from: a build directory to zip, or a prebuilt zip.
struct SourceOptions: ParsableArguments {
    @Option(help: "Build directory to zip (deterministically).")
    var source: String?

    @Option(help: "A prebuilt zip to use as it is (only hashed and checked).")
    var zip: String?

    @Option(name: .customLong("exclude"), help: "Glob of paths to leave out, as in .gitignore (repeatable).")
    var excludes: [String] = []

    func validate() throws {
        if source != nil && zip != nil { throw ValidationError("Give --source or --zip, not both.") }
    }

    /// The flags, else the environment and config file; exactly one of source and zip.
    func resolved(_ settings: SettingSource) throws -> SourceOptions {
        var copy = self
        copy.source = settings.value(source, "source")
        copy.zip = settings.value(zip, "zip")
        copy.excludes = settings.list(excludes, "exclude")
        if copy.source != nil && copy.zip != nil { throw ConfigError("Give --source or --zip, not both.") }
        if copy.source == nil && copy.zip == nil { throw ConfigError("Give the build directory with --source DIR, or a prebuilt zip with --zip FILE.") }
        return copy
    }

    /// Packages (or takes the prebuilt zip) into `out`.
    func makePackage(out: String, environment: Environment) async throws -> PackageResult {
        let packager = Packager(writer: ZipWriter(timestamp: try Self.timestamp(environment)))
        if let zip { return try packager.prebuilt(zip: zip) }
        return try await packager.package(source: source ?? ".", excludes: excludes, out: out)
    }

    /// SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else the zip format's 1980-01-01.
    static func timestamp(_ environment: Environment) throws -> Int64 {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return ZipWriter.dosEpoch }
        guard let value = Int64(text), value >= 0 else {
            throw PackagingError("SOURCE_DATE_EPOCH is \"\(text)\": set it to whole seconds since 1970, or unset it.")
        }
        return value
    }
}

extension LambdaShift {
    /// `package`: zip and digest, no AWS.
    struct Package: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Zip the build deterministically and print its SHA-256 (hex, and base64 as Lambda's CodeSha256). No AWS.",
            discussion: """
                Examples:
                  lambda-shift package --source build/ --out package.zip
                  lambda-shift package --zip dist/function.zip --output json
                """)

        @OptionGroup var sourceOptions: SourceOptions

        @Option(help: "Where to write the zip (default package.zip; only with --source).")
        var out: String?

        func validate() throws {
            if sourceOptions.zip != nil && out != nil {
                throw ValidationError("--out is for --source only: with --zip the package is that file as it is; copy it yourself if you need it elsewhere.")
            }
        }

        @Option(help: "Output format: text or json.")
        var output: OutputFormat = .text

        func run() async throws {
            let context = CommandContext.current
            let result = try await sourceOptions.resolved(SettingSource(environment: context.environment)).makePackage(out: out ?? "package.zip", environment: context.environment)
            context.result.document(["command": "package", "outcome": "ok", "exit-code": 0, "path": .string(result.path),
                                     "sha256": .string(result.sha256Hex), "code-sha256": .string(result.codeSha256),
                                     "size": .int(Int(result.size)), "entries": .int(result.entryCount),
                                     "uncompressed-size": .int(Int(result.uncompressedSize))])
            context.result.line("\(result.path): \(result.size) bytes, \(result.filesDescription), \(result.uncompressedSize) bytes unzipped")
            context.result.line("sha256       \(result.sha256Hex)")
            context.result.line("code-sha256  \(result.codeSha256)")
        }
    }
}
