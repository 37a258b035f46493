import LambdaShiftCore
import CISupport
import FoundationEssentials

/// The least-privilege policy for a configuration: what the CI identity needs, on only the
/// resources it manages.
package struct IAMPolicyDocument: Sendable, Equatable {
    package struct Statement: Sendable, Equatable {
        package var sid: String
        package var actions: [String]
        package var resources: [String]
    }

    package var statements: [Statement]

    /// - Parameters: the functions' ARNs, the statements the code source needs (S3 for a zip
    ///   uploaded there), the alarm ARNs (names, or prefixes ending in `*`) and which optional
    ///   features are on.
    package static func make(
        functionArns: [String], codeStatements: [Statement], alarmArns: [String],
        metrics: Bool, smoke: Bool, pruning: Bool, previews: Bool = false
    ) -> IAMPolicyDocument {
        var lambdaActions = [
            "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:ListVersionsByFunction",
            "lambda:ListAliases",
            "lambda:GetAlias", "lambda:CreateAlias", "lambda:UpdateAlias", "lambda:UpdateFunctionCode",
            "lambda:PublishVersion",
            // Provisioned concurrency: read on the alias and the live version; a version-level
            // configuration is given to the new version and removed from the old.
            "lambda:GetProvisionedConcurrencyConfig", "lambda:PutProvisionedConcurrencyConfig",
            "lambda:DeleteProvisionedConcurrencyConfig",
        ]
        if smoke { lambdaActions.append("lambda:InvokeFunction") }
        var statements = codeStatements
        // Nothing of Lambda's own for a policy of web functions alone (their statements are the code's).
        if !functionArns.isEmpty {
            statements.append(
                Statement(
                    sid: "ShipTheFunction", actions: lambdaActions, resources: functionArns.flatMap { [$0, $0 + ":*"] })
            )
        }
        if previews {
            // `cleanup` removes preview aliases and the versions nothing uses any more. DeleteAlias
            // is authorized on the function itself (whatever alias it names); DeleteFunction and
            // the URL calls on the version or alias only, so the function itself cannot be deleted.
            statements.append(
                Statement(sid: "RemovePreviewAliases", actions: ["lambda:DeleteAlias"], resources: functionArns))
            statements.append(
                Statement(
                    sid: "CleanUpPreviews",
                    actions: [
                        "lambda:DeleteFunction", "lambda:GetFunctionUrlConfig", "lambda:CreateFunctionUrlConfig",
                        "lambda:UpdateFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig",
                    ],
                    resources: functionArns.map { $0 + ":*" }))
        }
        if pruning {
            statements.append(
                Statement(
                    sid: "PruneOldVersions", actions: ["lambda:DeleteFunction"],
                    resources: functionArns.map { $0 + ":*" }))
        }
        if pruning || previews {
            // What still runs a version before it is deleted: provisioned concurrency and durable
            // executions (on the function and its versions); event source mappings, whose list
            // has no resource-level permission (AWS accepts only "*").
            // https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
            statements.append(
                Statement(
                    sid: "SeeWhatRunsVersions",
                    actions: ["lambda:ListProvisionedConcurrencyConfigs", "lambda:ListDurableExecutionsByFunction"],
                    resources: functionArns.flatMap { [$0, $0 + ":*"] }))
            statements.append(
                Statement(sid: "SeeEventSourceMappings", actions: ["lambda:ListEventSourceMappings"], resources: ["*"]))
        }
        if !alarmArns.isEmpty {
            statements.append(
                Statement(
                    sid: "ReadGateAlarms", actions: ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"],
                    resources: alarmArns))
        }
        if metrics {
            // GetMetricData has no resource-level permissions: AWS accepts only "*".
            statements.append(
                Statement(sid: "ReadGateMetrics", actions: ["cloudwatch:GetMetricData"], resources: ["*"]))
        }
        return IAMPolicyDocument(statements: statements)
    }

    /// Statements with the same sid as one, their resources in order and without repeats.
    package static func merged(_ statements: [Statement]) -> [Statement] {
        var order: [String] = [], byID: [String: Statement] = [:]
        for statement in statements {
            if var known = byID[statement.sid] {
                known.resources += statement.resources.filter { !known.resources.contains($0) }
                byID[statement.sid] = known
            } else {
                order.append(statement.sid)
                byID[statement.sid] = statement
            }
        }
        return order.compactMap { byID[$0] }
    }

    /// The policy as a JSON value (for the `--output json` document).
    package func value() -> JSONValue {
        .object([
            "Version": "2012-10-17",
            "Statement": .array(
                statements.map {
                    .object([
                        "Sid": .string($0.sid), "Effect": "Allow",
                        "Action": .array($0.actions.map { .string($0) }),
                        "Resource": .array($0.resources.map { .string($0) }),
                    ])
                }),
        ])
    }

    package func json() -> String {
        value().renderedPretty()
    }

    package func terraform(name: String = "lambda_shift") -> String {
        func list(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        var out = "data \"aws_iam_policy_document\" \"\(name)\" {\n"
        for statement in statements {
            out +=
                "  statement {\n    sid       = \"\(statement.sid)\"\n    actions   = \(list(statement.actions))\n    resources = \(list(statement.resources))\n  }\n"
        }
        return out + "}\n"
    }
}
