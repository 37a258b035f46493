import Config
import Pipeline
import AWSCore
import AWSServices
import ArgumentParser
import CISupport
import FoundationEssentials

extension LambdaShift {
    /// `status`: who we are, the function, the alias with its weights, and where each of its
    /// versions came from. Reads only.
    struct Status: AsyncParsableCommand {
        static let command = SettingCommand.status
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the alias: its primary version, any weighted version, and each version's provenance.",
            discussion: """
                Example:
                  lambda-shift status --function name-searcher-production --output json > status.json
                """)

        @OptionGroup var target: FunctionOptions

        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let target = try FunctionOptions.resolve(Self.command, self, context)
            let client = try AWSOptions.makeClient(context, settings: target.settings)
            let identity = try await STSClient(client: client).getCallerIdentity()
            let lambda = LambdaClient(client: client)
            let function = try await OperatorChecks.function(lambda, target.function, region: client.region)
            let alias = try await OperatorChecks.alias(lambda, target.function, target.alias)
            var versions: [FunctionConfiguration] = []
            for version in [alias.functionVersion] + alias.additionalVersionWeights.keys.sorted() {
                versions.append(try await lambda.getFunctionConfiguration(target.function, qualifier: version))
            }
            let report = StatusReport(
                identity: identity, function: function, aliasName: target.alias, alias: alias, versions: versions)
            context.result.line(report.text())
            context.result.document(report.document())
        }
    }
}
