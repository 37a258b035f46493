import CISupport
import ArgumentParser
import Config
import Foundation

/// The least-privilege policy for a configuration: what the CI identity needs, on only the
/// resources it manages.
struct IAMPolicyDocument: Equatable {
    struct Statement: Equatable {
        var sid: String
        var actions: [String]
        var resources: [String]
    }

    var statements: [Statement]

    /// - Parameters: the resolved function name (or ARN), bucket, key prefix, alarms and
    ///   which optional features are on.
    static func make(function: String, region: String, account: String, bucket: String, keyPrefix: String,
                     alarms: [String], alarmPrefixes: [String], metrics: Bool, smoke: Bool, pruning: Bool) -> IAMPolicyDocument {
        let name = function.hasPrefix("arn:") ? function.split(separator: ":").dropFirst(6).first.map(String.init) ?? function : function
        let functionArn = "arn:aws:lambda:\(region):\(account):function:\(name)"
        var lambdaActions = ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:ListVersionsByFunction", "lambda:ListAliases",
                             "lambda:GetAlias", "lambda:CreateAlias", "lambda:UpdateAlias", "lambda:UpdateFunctionCode", "lambda:PublishVersion"]
        if smoke { lambdaActions.append("lambda:InvokeFunction") }
        var statements = [
            Statement(sid: "ReadAndWritePackages", actions: ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                      resources: ["arn:aws:s3:::\(bucket)/\(keyPrefix)*"]),
            Statement(sid: "ListPackages", actions: ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
                      resources: ["arn:aws:s3:::\(bucket)"]),
            Statement(sid: "ShipTheFunction", actions: lambdaActions, resources: [functionArn, functionArn + ":*"]),
        ]
        if pruning {
            statements.append(Statement(sid: "PruneOldVersions", actions: ["lambda:DeleteFunction"], resources: [functionArn + ":*"]))
        }
        if !alarms.isEmpty || !alarmPrefixes.isEmpty {
            statements.append(Statement(sid: "ReadGateAlarms", actions: ["cloudwatch:DescribeAlarms"],
                                        resources: alarms.map { "arn:aws:cloudwatch:\(region):\(account):alarm:\($0)" }
                                            + alarmPrefixes.map { "arn:aws:cloudwatch:\(region):\(account):alarm:\($0)*" }))
        }
        if metrics {
            // GetMetricData has no resource-level permissions: AWS accepts only "*".
            statements.append(Statement(sid: "ReadGateMetrics", actions: ["cloudwatch:GetMetricData"], resources: ["*"]))
        }
        return IAMPolicyDocument(statements: statements)
    }

    /// The policy as a JSON value (for the `--output json` document).
    func value() -> JSONValue {
        .object(["Version": "2012-10-17",
                 "Statement": .array(statements.map { .object(["Sid": .string($0.sid), "Effect": "Allow",
                                                                "Action": .array($0.actions.map { .string($0) }),
                                                                "Resource": .array($0.resources.map { .string($0) })]) })])
    }

    func json() -> String {
        let object: [String: Any] = [
            "Version": "2012-10-17",
            "Statement": statements.map { ["Sid": $0.sid, "Effect": "Allow", "Action": $0.actions, "Resource": $0.resources] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    func terraform(name: String = "lambda_shift") -> String {
        func list(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        var out = "data \"aws_iam_policy_document\" \"\(name)\" {\n"
        for statement in statements {
            out += "  statement {\n    sid       = \"\(statement.sid)\"\n    actions   = \(list(statement.actions))\n    resources = \(list(statement.resources))\n  }\n"
        }
        return out + "}\n"
    }
}

extension LambdaShift {
    /// `iam-policy`: print the CI identity's least-privilege policy for these settings.
    struct IAMPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "iam-policy",
            abstract: "Print the least-privilege IAM policy for these settings, as IAM JSON or a Terraform aws_iam_policy_document.")

        @OptionGroup var options: DeployOptions
        @Option(name: .customLong("account-id"), help: "Account of the function and alarms (default: from a function ARN, else *).") var accountId: String?
        @Option(help: "json or terraform.") var format: String = "json"

        func run() async throws {
            let context = CommandContext.current
            guard ["json", "terraform"].contains(format) else { throw ConfigError("--format is \"\(format)\": use json or terraform.") }
            var plan = try options.resolveIgnoringSource(context)
            let arnParts = plan.function.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let account = accountId ?? (arnParts.count >= 7 ? arnParts[4] : "*")
            let region = plan.region ?? context.environment["AWS_REGION"] ?? context.environment["AWS_DEFAULT_REGION"] ?? (arnParts.count >= 7 ? arnParts[3] : "*")
            plan.region = region
            let document = IAMPolicyDocument.make(function: plan.function, region: region, account: account, bucket: plan.bucket,
                                                  keyPrefix: plan.keyPrefix, alarms: plan.alarms, alarmPrefixes: plan.alarmPrefixes,
                                                  metrics: plan.maxErrorRateBasisPoints != nil, smoke: plan.smokePayload != nil,
                                                  pruning: plan.keepVersions != nil)
            let text = format == "json" ? document.json() : document.terraform()
            context.result.line(text)
            context.result.document(["command": "iam-policy", "outcome": "ok", "exit-code": 0, "format": .string(format),
                                     "policy": format == "json" ? document.value() : .string(text)])
        }
    }
}
