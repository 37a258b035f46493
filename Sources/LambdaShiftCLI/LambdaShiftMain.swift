import AWSCore
import ArgumentParser
import Foundation
import Config
import Packaging
import Rollout

/// The entry point as a library: parses, runs, and maps every outcome to PRODUCT.md's exit
/// codes (argument errors are usage errors: 2, not ArgumentParser's 64).
public enum LambdaShiftMain {
    public static func run(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Int32 {
        let context = CommandContext.current
        do {
            var command = try LambdaShift.parseAsRoot(arguments)
            if let asyncCommand = command as? any AsyncParsableCommand {
                try await runCancellable(asyncCommand)
            } else {
                try command.run()
            }
            return LambdaShiftExit.success
        } catch let error where LambdaShiftExit.knows(error) {
            let code = LambdaShiftExit.code(for: error)
            context.reporter.error(LambdaShiftExit.message(for: error),
                                   title: code == LambdaShiftExit.rollbackFailed ? "ROLLBACK FAILED: the alias may be split" : nil)
            return code
        } catch {
            // Help, --version and argument errors from ArgumentParser.
            let code = LambdaShift.exitCode(for: error)
            let text = LambdaShift.fullMessage(for: error)
            if code == .success {
                if !text.isEmpty { context.output(text) }
                return LambdaShiftExit.success
            }
            context.errorOutput(context.secrets.redact(text))
            return LambdaShiftExit.usage
        }
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
        version: version,
        subcommands: [Deploy.self, Plan.self, Package.self, Status.self, Promote.self, Rollback.self, IAMPolicy.self, Doctor.self]
    )

    public init() {}
}
