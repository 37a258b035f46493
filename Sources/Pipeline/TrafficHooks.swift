import AWSServices
import FoundationEssentials
import LambdaShiftCore

/// A traffic hook that ran: which, how it ended, how long it took (the JSON document's `hooks`).
public struct HookRun: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case preTraffic = "pre-traffic"
        case postTraffic = "post-traffic"
    }

    public var kind: Kind
    public var exitCode: Int32
    public var timedOut: Bool
    public var seconds: Double

    public var passed: Bool { exitCode == 0 && !timedOut }

    /// `exit 0, 3s`, `exit 2, 1s`, `killed after 600s (--hook-timeout)`.
    public var described: String {
        timedOut
            ? "killed after \(Int(seconds.rounded()))s (--hook-timeout)"
            : "exit \(exitCode), \(Int(seconds.rounded()))s"
    }

    public var value: JSONValue {
        .object([
            "name": .string(kind.rawValue), "exit-code": .int(Int(exitCode)), "timed-out": .bool(timedOut),
            "seconds": .double((seconds * 10).rounded() / 10),
        ])
    }
}

extension DeployPipeline {
    /// Runs `--pre-traffic-command` or `--post-traffic-command` for the new `version`, its output
    /// in the log (a group of its own), its verdict on the timeline. The command learns what it
    /// tests from LAMBDA_SHIFT_FUNCTION, _ALIAS, _VERSION, _PREVIOUS_VERSION, _QUALIFIED_ARN,
    /// _REGION and _ENVIRONMENT.
    func runHook(_ kind: HookRun.Kind, command: String, version: FunctionConfiguration, previous: String?) async
        -> HookRun
    {
        report.phase("\(kind == .preTraffic ? "Pre" : "Post")-traffic command")
        // PublishVersion answers with the version's own ARN; qualified here whatever it says.
        let arn = version.functionArn
        let qualified = arn.hasSuffix(":\(version.version)") ? arn : "\(arn):\(version.version)"
        var variables = deps.environment.variables
        // The credentials this deploy uses (role-to-assume's included), so that the command acts
        // as the deploy does; they are masked in every log like the deploy's own.
        if let credentials = try? await deps.credentials() {
            variables["AWS_ACCESS_KEY_ID"] = credentials.accessKeyId
            variables["AWS_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
            variables["AWS_SESSION_TOKEN"] = credentials.sessionToken
        }
        variables["AWS_REGION"] = deps.region
        variables.merge([
            "LAMBDA_SHIFT_FUNCTION": plan.function, "LAMBDA_SHIFT_ALIAS": plan.alias,
            "LAMBDA_SHIFT_VERSION": version.version, "LAMBDA_SHIFT_PREVIOUS_VERSION": previous ?? "",
            "LAMBDA_SHIFT_QUALIFIED_ARN": qualified, "LAMBDA_SHIFT_REGION": deps.region,
            "LAMBDA_SHIFT_ENVIRONMENT": plan.environment,
        ]) { $1 }
        let report = self.report
        let run: HookRun
        do {
            let ending = try await ShellCommand(
                command: command, environment: variables, timeoutSeconds: plan.hookTimeoutSeconds
            ).run { report.line($0) }
            run = HookRun(kind: kind, exitCode: ending.status, timedOut: ending.timedOut, seconds: ending.seconds)
        } catch {
            // As a shell that cannot run the command says: 127.
            report.line("could not run the \(kind.rawValue) command: \(sentence(of: error))")
            run = HookRun(kind: kind, exitCode: 127, timedOut: false, seconds: 0)
        }
        report.event(
            "\(kind.rawValue) command: \(run.passed ? "passed" : "FAILED") (\(run.described))", passed: run.passed)
        return run
    }
}
