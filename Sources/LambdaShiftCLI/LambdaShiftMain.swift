import LambdaShiftCore
import AWSCore
import ArgumentParser
import Dispatch
import FoundationEssentials
import Glibc
import Config
import Packaging
import Rollout

/// The entry point as a library: parses, runs, and maps every outcome to PRODUCT.md's exit
/// codes (argument errors are usage errors: 2, not ArgumentParser's 64).
public enum LambdaShiftMain {
    /// Runs the command line in `context` (by default this process: the result on stdout,
    /// everything else on stderr) and returns the exit code. With `--output json`, stdout
    /// holds exactly one JSON document whatever happens, a failure included.
    public static func run(
        _ arguments: [String] = Array(CommandLine.arguments.dropFirst()), context given: CommandContext? = nil
    ) async -> Int32 {
        let context = given ?? CommandContext.process(json: wantsJSON(arguments))
        return await CommandContext.$current.withValue(context) {
            await execute(arguments, context)
        }
    }

    private static func execute(_ arguments: [String], _ context: CommandContext) async -> Int32 {
        let command = arguments.first { !$0.hasPrefix("-") } ?? "lambda-shift"
        if let first = arguments.first, !first.hasPrefix("-"), !Self.commandNames.contains(first) {
            let suggestion =
                Self.commandNames.min { ConfigFile.distance($0, first) < ConfigFile.distance($1, first) } ?? "deploy"
            let hint = ConfigFile.distance(suggestion, first) <= 3 ? " (did you mean \(suggestion)?)" : ""
            let sentence = "Unknown command \"\(first)\"\(hint): run lambda-shift --help for the commands."
            context.reporter.error(sentence, title: nil)
            failureDocument(context, command: "lambda-shift", code: ExitStatus.usage, sentence: sentence)
            return ExitStatus.usage
        }
        do {
            var parsed = try LambdaShift.parseAsRoot(arguments)
            if let asyncCommand = parsed as? any AsyncParsableCommand {
                try await runCancellable(asyncCommand)
            } else {
                try parsed.run()
            }
            return ExitStatus.success
        } catch let error where LambdaShiftExit.knows(error) {
            let code = LambdaShiftExit.code(for: error)
            let sentence = LambdaShiftExit.message(for: error)
            context.reporter.error(
                sentence,
                title: code == ExitStatus.rollbackFailed ? "ROLLBACK FAILED: the alias may be split" : nil)
            failureDocument(context, command: command, code: code, sentence: sentence)
            return code
        } catch {
            // Help, --version and argument errors from ArgumentParser.
            let code = LambdaShift.exitCode(for: error)
            let text = LambdaShift.fullMessage(for: error)
            if code == .success {
                if !text.isEmpty { context.result.text(text) }
                return ExitStatus.success
            }
            context.errorOutput(context.secrets.redact(text))
            failureDocument(
                context, command: command, code: ExitStatus.usage,
                sentence: LambdaShift.message(for: error).split(separator: "\n").first.map(String.init)
                    ?? "Invalid arguments.")
            return ExitStatus.usage
        }
    }

    /// The JSON document of a run that failed before its command wrote one.
    private static func failureDocument(_ context: CommandContext, command: String, code: Int32, sentence: String) {
        guard context.result.json, !context.result.wroteDocument else { return }
        let outcome =
            switch code {
            case ExitStatus.cancelled: "cancelled"
            case ExitStatus.gateFailed: "rolled-back"
            default: "failed"
            }
        context.result.document([
            "command": .string(command), "outcome": .string(outcome), "exit-code": .int(Int(code)),
            "error": .string(sentence),
        ])
    }

    /// The subcommands' names, and `help`.
    static let commandNames = LambdaShift.configuration.subcommands.map { $0._commandName } + ["help"]

    /// Whether the arguments ask for `--output json` (read before parsing, so that even an
    /// argument error is answered with a JSON document).
    static func wantsJSON(_ arguments: [String]) -> Bool {
        for (index, argument) in arguments.enumerated() {
            if argument == "--output=json" { return true }
            if argument == "--output", index + 1 < arguments.count, arguments[index + 1] == "json" { return true }
        }
        return false
    }
}

/// Runs a command in a task that SIGINT and SIGTERM cancel (CI cancellation): the rollout
/// sees the cancellation, restores the alias, and the command ends with exit 4.
func runCancellable(_ command: sending any AsyncParsableCommand) async throws {
    var command = command
    let work = Task {
        try await command.run()
    }
    let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { work.cancel() }
        source.resume()
        return source
    }
    defer { sources.forEach { $0.cancel() } }
    try await work.value
}

/// `lambda-shift`: ship AWS Lambda functions from CI.
public struct LambdaShift: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "lambda-shift",
        abstract: "Ship an AWS Lambda function from CI: package, upload, publish, and shift an alias safely.",
        discussion: """
            stdout carries only a command's result (name=value outputs, or one JSON document with --output json); \
            everything else goes to stderr. Settings come from flags, then INPUT_*/LAMBDA_SHIFT_* variables, then .lambda-shift.yml.
            Examples:
              lambda-shift plan --function name-searcher-{environment} --bucket artifacts --source dist
              lambda-shift deploy --function name-searcher-{environment} --bucket artifacts --source dist
              lambda-shift status --function name-searcher-production --output json
            """,
        version: version,
        subcommands: [
            Deploy.self, Plan.self, Package.self, Status.self, Promote.self, Rollback.self, IAMPolicy.self, Doctor.self,
            Cleanup.self,
        ]
    )

    public init() {}
}
