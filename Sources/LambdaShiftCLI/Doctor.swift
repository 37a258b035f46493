import AWSCore
import AWSServices
import ArgumentParser
import CISupport
import Foundation

extension LambdaShift {
    /// `doctor`: makes the read-only calls a deploy depends on (identity, function, alias,
    /// bucket, alarms) and says which work, before a first deploy is attempted.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check credentials, region, endpoints and read access to the function, alias, bucket and alarms. Changes nothing.")

        @OptionGroup var target: FunctionOptions

        @Option(help: "Bucket the packages go to.")
        var bucket: String?

        @Option(name: .customLong("alarm"), help: "CloudWatch alarm used as a health gate (repeatable).")
        var alarms: [String] = []

        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let client = try aws.makeClient(context)
            var checks: [(String, Bool, String)] = []
            // Without an identity nothing else can work: that failure ends the command as it is.
            let identity = try await STSClient(client: client).getCallerIdentity()
            checks.append(("identity", true, "\(identity.arn) (account \(identity.account))"))
            let lambda = LambdaClient(client: client)
            checks.append(await check("function") {
                let f = try await lambda.getFunction(target.function)
                return "\(f.functionArn), code \(f.codeSha256)"
            })
            checks.append(await check("alias") {
                do {
                    let a = try await lambda.getAlias(target.function, alias: target.alias)
                    return "\(a.name) → version \(a.functionVersion)"
                } catch let error as AWSServiceError where error.code == "ResourceNotFoundException" {
                    return "\(target.alias) does not exist yet; the first deploy creates it"
                }
            })
            if let bucket {
                checks.append(await check("bucket") {
                    try await S3Client(client: client).probeBucket(bucket)
                    return "\(bucket) readable"
                })
            }
            if !alarms.isEmpty {
                checks.append(await check("alarms") {
                    let found = try await CloudWatchClient(client: client).describeAlarms(names: alarms)
                    let missing = Set(alarms).subtracting(found.map(\.name))
                    guard missing.isEmpty else {
                        throw CommandFailure("No alarm named \(missing.sorted().joined(separator: ", ")): check --alarm.", exitCode: LambdaShiftExit.usage)
                    }
                    return found.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
                })
            }
            for (name, ok, detail) in checks {
                context.result.line("\(ok ? "ok  " : "FAIL") \(name): \(detail)")
            }
            let failed = checks.contains { !$0.1 }
            context.result.document([
                "command": "doctor", "outcome": .string(failed ? "failed" : "ok"), "exit-code": .int(Int(failed ? LambdaShiftExit.failed : 0)),
                "checks": .array(checks.map { .object(["check": .string($0.0), "ok": .bool($0.1), "detail": .string($0.2)]) }),
            ].merging(failed ? ["error": "Some checks failed: fix the ones marked FAIL before deploying."] : [:]) { $1 })
            if checks.contains(where: { !$0.1 }) {
                throw CommandFailure("Some checks failed: fix the ones marked FAIL before deploying.", exitCode: LambdaShiftExit.failed)
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
