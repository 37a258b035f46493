import Config
import ArgumentParser
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
            try await CommandRuns.package(flags, out: out, CommandContext.current)
        }
    }
}
