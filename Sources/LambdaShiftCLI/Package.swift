import LambdaShiftCore
import Config
import CISupport
import ArgumentParser
import FoundationEssentials
import Packaging
import Pipeline

/// Where the package comes from: a build directory to zip, or a prebuilt zip.
struct SourceOptions: SettingArguments {
    @Option(help: .setting(.source)) var source: String?
    @Option(help: .setting(.zip)) var zip: String?
    @Option(help: .setting(.exclude)) var exclude: [String] = []
    @Flag(help: .setting(.includeHidden)) var includeHidden = false

    var flags: SettingFlags {
        SettingFlags([.source: source, .zip: zip, .exclude: exclude, .includeHidden: includeHidden])
    }

    func validate() throws {
        if source != nil && zip != nil { throw ValidationError("Give --source or --zip, not both.") }
    }
}

extension LambdaShift {
    /// `package`: zip and digest, no AWS.
    struct Package: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandConfiguration(
            commandName: "package",
            abstract:
                "Zip the build deterministically and print its SHA-256 (hex, and base64 as Lambda's CodeSha256). No AWS.",
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
                throw ValidationError(
                    "--out is for --source only: with --zip the package is that file as it is; copy it yourself if you need it elsewhere."
                )
            }
        }

        @Option(help: "Output format: text or json.")
        var output: OutputFormat = .text

        var flags: SettingFlags { sourceOptions.flags }

        func run() async throws {
            let context = CommandContext.current
            let settings = try ResolvedSettings.resolve(
                .package, flags: flags, ci: context.ci)
            let result = try await CodeSource.resolve(settings).prepare(
                out: out ?? "package.zip", environment: context.environment)
            context.result.document([
                "command": "package", "outcome": .string(Outcome.ok.word), "exit-code": 0, "path": .string(result.path),
                "sha256": .string(result.sha256Hex), "code-sha256": .string(result.codeSha256),
                "size": .int(Int(result.size)), "entries": .int(result.entryCount),
                "uncompressed-size": .int(Int(result.uncompressedSize)),
            ])
            result.warnings.forEach(context.reporter.warning)
            context.result.line(
                "\(result.path): \(result.size) bytes, \(result.filesDescription), \(result.uncompressedSize) bytes unzipped"
            )
            context.result.line("sha256       \(result.sha256Hex)")
            context.result.line("code-sha256  \(result.codeSha256)")
        }
    }
}
