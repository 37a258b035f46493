import Config
import LambdaShiftCore
import Pipeline
import AWSCore
import AWSServices
import ArgumentParser
import CISupport
import FoundationEssentials
import Rollout

extension LambdaShift {
    /// `doctor`: makes the read-only calls a deploy depends on (identity, function, alias,
    /// bucket, alarms) and says which work, before a first deploy is attempted.
    struct Doctor: AsyncParsableCommand {
        static let command = SettingCommand.doctor
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract:
                "Check credentials, region, endpoints and read access to the function, alias, bucket and alarms. Changes nothing.",
            discussion: """
                Example:
                  lambda-shift doctor --function name-searcher-production --bucket artifacts --alarm name-searcher-errors
                """)

        @OptionGroup var target: FunctionOptions

        @Option(help: .setting("bucket", for: .doctor)) var bucket: String?
        @Option(help: .setting("alarm", for: .doctor)) var alarm: [String] = []

        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let target = try FunctionOptions.resolve(Self.command, self, context)
            let client = try AWSOptions.makeClient(context, settings: target.settings)
            let bucket = target.settings.text("bucket")
            let alarms = target.settings.list("alarm")
            let checks = try await DoctorChecks(
                identity: STSClient(client: client), functions: LambdaClient(client: client),
                store: S3ArtifactStore(s3: S3Client(client: client)), metrics: CloudWatchClient(client: client),
                region: client.region
            ).run(function: target.function, alias: target.alias, bucket: bucket, alarms: alarms).map {
                ($0.name, $0.ok, $0.detail)
            }
            for (name, ok, detail) in checks {
                context.result.line("\(ok ? "ok  " : "FAIL") \(name): \(detail)")
            }
            let failed = checks.contains { !$0.1 }
            context.result.document(
                [
                    "command": "doctor", "outcome": .string(failed ? "failed" : "ok"),
                    "exit-code": .int(Int(failed ? ExitStatus.failed : 0)),
                    "checks": .array(
                        checks.map { .object(["check": .string($0.0), "ok": .bool($0.1), "detail": .string($0.2)]) }),
                ].merging(failed ? ["error": "Some checks failed: fix the ones marked FAIL before deploying."] : [:]) {
                    $1
                })
            if checks.contains(where: { !$0.1 }) {
                throw CommandFailure(
                    "Some checks failed: fix the ones marked FAIL before deploying.", exitCode: ExitStatus.failed)
            }
        }
    }
}
