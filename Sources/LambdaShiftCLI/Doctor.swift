import Pipeline
import AWSCore
import AWSServices
import ArgumentParser
import CISupport
import Foundation
import Rollout

extension LambdaShift {
    /// `doctor`: makes the read-only calls a deploy depends on (identity, function, alias,
    /// bucket, alarms) and says which work, before a first deploy is attempted.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check credentials, region, endpoints and read access to the function, alias, bucket and alarms. Changes nothing.",
            discussion: """
                Example:
                  lambda-shift doctor --function name-searcher-production --bucket artifacts --alarm name-searcher-errors
                """)

        @OptionGroup var target: FunctionOptions

        @Option(help: "Bucket the packages go to.")
        var bucket: String?

        @Option(name: .customLong("alarm"), help: "CloudWatch alarm used as a health gate (repeatable).")
        var alarms: [String] = []

        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let target = try self.target.resolve(context)
            let client = try aws.makeClient(context, settings: target.settings)
            let bucket = target.settings.value(self.bucket, "bucket")
            let alarms = target.settings.list(self.alarms, "alarm", fileKeys: ["alarms", "alarm"])
            var checks: [(String, Bool, String)] = []
            // Without an identity nothing else can work: that failure ends the command as it is.
            let identity = try await STSClient(client: client).getCallerIdentity()
            checks.append(("identity", true, "\(identity.arn) (account \(identity.account))"))
            let lambda = LambdaClient(client: client)
            checks.append(
                await check("function") {
                    let f = try await OperatorChecks.function(lambda, target.function, region: client.region)
                    if f.packageType == "Image" {
                        throw CommandFailure(
                            "\(target.function) is a container-image function; lambda-shift deploys zip packages.",
                            exitCode: 2)
                    }
                    if f.state == "Failed" {
                        throw CommandFailure(
                            "\(target.function) is in state Failed (\(f.stateReason ?? "no reason given")).",
                            exitCode: 2)
                    }
                    return "\(f.functionArn), code \(f.codeSha256), state \(f.state ?? "unknown")"
                })
            checks.append(
                await check("alias") {
                    guard let a = try await OperatorChecks.aliasIfAny(lambda, target.function, target.alias) else {
                        return "\(target.alias) does not exist yet; the first deploy creates it"
                    }
                    if !a.additionalVersionWeights.isEmpty {
                        throw CommandFailure(
                            "\(a.name) is mid-way through a shift (\(RolloutEngine.describe(a))): a deploy would refuse it; finish it with lambda-shift promote or undo it with lambda-shift rollback.",
                            exitCode: 2)
                    }
                    return "\(a.name) → version \(a.functionVersion)"
                        + (a.functionVersion == "$LATEST" ? " (a deploy first moves it onto a published baseline)" : "")
                })
            if let bucket {
                checks.append(
                    await check("bucket") {
                        try await S3Client(client: client).probeBucket(bucket)
                        return "\(bucket) readable"
                    })
            }
            if !alarms.isEmpty {
                checks.append(
                    await check("alarms") {
                        let found = try await CloudWatchClient(client: client).describeAlarms(names: alarms)
                        let missing = Set(alarms).subtracting(found.map(\.name))
                        guard missing.isEmpty else {
                            throw CommandFailure(
                                "No alarm named \(missing.sorted().joined(separator: ", ")): check --alarm.",
                                exitCode: LambdaShiftExit.usage)
                        }
                        return found.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
                    })
            }
            for (name, ok, detail) in checks {
                context.result.line("\(ok ? "ok  " : "FAIL") \(name): \(detail)")
            }
            let failed = checks.contains { !$0.1 }
            context.result.document(
                [
                    "command": "doctor", "outcome": .string(failed ? "failed" : "ok"),
                    "exit-code": .int(Int(failed ? LambdaShiftExit.failed : 0)),
                    "checks": .array(
                        checks.map { .object(["check": .string($0.0), "ok": .bool($0.1), "detail": .string($0.2)]) }),
                ].merging(failed ? ["error": "Some checks failed: fix the ones marked FAIL before deploying."] : [:]) {
                    $1
                })
            if checks.contains(where: { !$0.1 }) {
                throw CommandFailure(
                    "Some checks failed: fix the ones marked FAIL before deploying.", exitCode: LambdaShiftExit.failed)
            }
        }

        private func check(_ name: String, _ body: () async throws -> String) async -> (String, Bool, String) {
            do {
                return (name, true, try await body())
            } catch {
                return (name, false, LambdaShiftExit.message(for: error))
            }
        }
    }
}
