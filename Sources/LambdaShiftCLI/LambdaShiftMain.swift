import LambdaShiftCore
import ArgumentParser
import FoundationEssentials
import Glibc
import Config
import Pipeline

/// The entry point as a library: parses, runs, and maps every outcome to PRODUCT.md's exit
/// codes (argument errors are usage errors: 2, not ArgumentParser's 64).
package enum LambdaShiftMain {
    /// Runs the command line in `context` (by default this process: the result on stdout,
    /// everything else on stderr) and returns the exit code. With `--output json`, stdout
    /// holds exactly one JSON document whatever happens, a failure included.
    ///
    /// Synchronous until a command has to run: `--version`, `--help` and argument errors are
    /// answered on the main thread without starting Swift's concurrency runtime (its threads
    /// cost a millisecond a CI step need not pay); a command runs in a task the main thread
    /// waits for.
    package static func main(
        _ arguments: [String] = Array(CommandLine.arguments.dropFirst()), context given: CommandContext? = nil
    ) -> Int32 {
        // A closed pipe (`deploy … | head`, a CI log collector gone) must never stop a rollout
        // half-way: with SIGPIPE ignored a write fails (POSIX.write returns false) and the run
        // finishes or restores as it would have.
        if given == nil { signal(SIGPIPE, SIG_IGN) }
        // `--version` alone is answered before ArgumentParser builds the command tree: building
        // it asks the Swift runtime for protocol conformances, each a scan of every conformance
        // record in the binary (measured with callgrind: about half of the start-up's
        // instructions), which a version number does not need.
        if given == nil, arguments == ["--version"] {
            POSIX.write((LambdaShift.configuration.version + "\n").utf8, to: 1)
            return ExitStatus.success
        }
        let parsed = Result { try LambdaShift.parseAsRoot(arguments) }
        // --version and --help are answered before anything else is made: no environment read,
        // no reporter (their text holds nothing to mask).
        // With --output json they are a JSON document (below, once a context exists).
        if given == nil, !CommandContext.wantsJSON(arguments), case .failure(let error) = parsed,
            LambdaShift.exitCode(for: error) == .success
        {
            let text = LambdaShift.fullMessage(for: error)
            if !text.isEmpty { POSIX.write((text + "\n").utf8, to: 1) }
            return ExitStatus.success
        }
        let context = given ?? CommandContext.process(json: CommandContext.wantsJSON(arguments))
        return CommandContext.$bound.withValue(context) {
            switch parse(arguments, parsed, context) {
            case .finished(let code): return code
            case .synchronous(let command): return runSynchronous(command, arguments: arguments, context)
            case .asynchronous(let command):
                let pending = Handoff<any AsyncParsableCommand>(command)
                return waitFor { await perform(pending.take(), arguments: arguments, context) }
            }
        }
    }

    /// Runs the command line in `context` within the caller's task, with `main`'s exit codes,
    /// documents and messages, but no signal handling and no thread held: how tests run a
    /// command end to end in-process (with `context.services` for AWS).
    package static func run(_ arguments: [String], context: CommandContext) async -> Int32 {
        let parsed = Result { try LambdaShift.parseAsRoot(arguments) }
        return await CommandContext.$bound.withValue(context) {
            switch parse(arguments, parsed, context) {
            case .finished(let code): return code
            case .synchronous(let command): return runSynchronous(command, arguments: arguments, context)
            case .asynchronous(let command):
                let pending = Handoff<any AsyncParsableCommand>(command)
                return await perform(pending.take(), arguments: arguments, context, handlingSignals: false)
            }
        }
    }

    /// Runs a synchronous command (`package`) and returns its exit code.
    private static func runSynchronous(
        _ command: any ParsableCommand, arguments: [String], _ context: CommandContext
    ) -> Int32 {
        var command = command
        do {
            try command.run()
            return ExitStatus.success
        } catch {
            return failed(error, arguments: arguments, context)
        }
    }

    /// What the arguments asked for: an answer already given, or a command to run.
    enum Parsed {
        case finished(Int32)
        case synchronous(any ParsableCommand)
        case asynchronous(any AsyncParsableCommand)
    }

    private static func parse(
        _ arguments: [String], _ parsed: Result<any ParsableCommand, any Error>, _ context: CommandContext
    ) -> Parsed {
        if let first = arguments.first, !first.hasPrefix("-"), !Self.commandNames.contains(first) {
            return .finished(context.unknownCommand(first, among: Self.commandNames))
        }
        do {
            let parsed = try parsed.get()
            if let command = parsed as? any AsyncParsableCommand { return .asynchronous(command) }
            return .synchronous(parsed)
        } catch {
            return .finished(failed(error, arguments: arguments, context))
        }
    }

    /// Runs an asynchronous command and returns its exit code; `handlingSignals`: SIGINT, SIGTERM
    /// and SIGHUP cancel it (the process's own run; tests run without).
    private static func perform(
        _ command: sending any AsyncParsableCommand, arguments: [String], _ context: CommandContext,
        handlingSignals: Bool = true
    ) async -> Int32 {
        do {
            if handlingSignals {
                try await runCancellable(command)
            } else {
                var command = command
                try await command.run()
            }
            return ExitStatus.success
        } catch {
            return failed(error, arguments: arguments, context)
        }
    }

    /// Reports an error from parsing or running and returns its exit code.
    private static func failed(
        _ error: any Error, arguments: [String], _ context: CommandContext
    ) -> Int32 {
        // The root takes no option but --help and --version: a subcommand can only come first.
        let name =
            arguments.first.flatMap { Self.commandNames.contains($0) && $0 != "help" ? $0 : nil } ?? "lambda-shift"
        if error is any LambdaShiftError || error is CancellationError { return context.failed(error, command: name) }
        // Help, --version and argument errors from ArgumentParser.
        let code = LambdaShift.exitCode(for: error)
        let text = LambdaShift.fullMessage(for: error)
        if code == .success {
            let version = arguments.contains("--version") && text == LambdaShift.configuration.version
            context.programAnswer(text, isVersion: version)
            return ExitStatus.success
        }
        context.errorOutput(text)
        context.failureDocument(
            command: name, code: ExitStatus.usage,
            sentence: LambdaShift.message(for: error).split(separator: "\n").first.map(String.init)
                ?? "Invalid arguments.")
        return ExitStatus.usage
    }

    /// The subcommands' names, and `help`.
    static let commandNames = LambdaShift.configuration.subcommands.map { $0._commandName } + ["help"]

}

/// Runs a command in a task that SIGINT, SIGTERM and SIGHUP cancel (`cancellingOnSignals`).
func runCancellable(_ command: sending any AsyncParsableCommand) async throws {
    var command = command
    try await cancellingOnSignals(Task { try await command.run() })
}

/// `lambda-shift`: ship AWS Lambda functions from CI.
package struct LambdaShift: AsyncParsableCommand {
    package static let version = "0.1.0"

    package static let configuration = CommandConfiguration(
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
            Deploy.self, Advance.self, Plan.self, Package.self, Status.self, Promote.self, Rollback.self,
            IAMPolicy.self, Doctor.self, Cleanup.self, Init.self,
        ]
    )

    package init() {}
}
