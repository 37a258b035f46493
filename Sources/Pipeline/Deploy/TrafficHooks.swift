import AWSCore
import AWSServices
import FoundationEssentials
import LambdaShiftCore

/// A traffic hook that ran: which, how it ended, how long it took (the JSON document's `hooks`).
package struct HookRun: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case preTraffic = "pre-traffic"
        case postTraffic = "post-traffic"
    }

    package var kind: Kind
    package var exitCode: Int32
    package var timedOut: Bool
    package var seconds: Double

    package var passed: Bool { exitCode == 0 && !timedOut }

    /// `exit 0, 3s`, `exit 2, 1s`, `killed after 600s (--hook-timeout)`.
    package var described: String {
        timedOut
            ? "killed after \(Int(seconds.rounded()))s (--hook-timeout)"
            : "exit \(exitCode), \(Int(seconds.rounded()))s"
    }

    package var value: JSONValue {
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
    /// _REGION and _ENVIRONMENT, and gets the credentials `--hook-credentials` asks for
    /// (`HookEnvironment`).
    func runHook(_ kind: HookRun.Kind, command: String, version: FunctionConfiguration, previous: String?) async
        -> HookRun
    {
        report.phase("\(kind == .preTraffic ? "Pre" : "Post")-traffic command")
        // PublishVersion answers with the version's own ARN; qualified here whatever it says.
        let arn = version.functionArn
        let qualified = arn.hasSuffix(":\(version.version)") ? arn : "\(arn):\(version.version)"
        let credentials = await hookCredentials(kind, qualifiedArn: qualified, version: version.version)
        let variables = HookEnvironment.make(
            job: deps.environment.variables, credentials: credentials, given: plan.hookCredentials,
            lambdaShift: [
                "AWS_REGION": deps.region,
                "LAMBDA_SHIFT_FUNCTION": plan.function, "LAMBDA_SHIFT_ALIAS": plan.alias,
                "LAMBDA_SHIFT_VERSION": version.version, "LAMBDA_SHIFT_PREVIOUS_VERSION": previous ?? "",
                "LAMBDA_SHIFT_QUALIFIED_ARN": qualified, "LAMBDA_SHIFT_REGION": deps.region,
                "LAMBDA_SHIFT_ENVIRONMENT": plan.environment,
            ])
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

    /// The AWS credentials `--hook-credentials` gives the hook (masked in every log like the
    /// deploy's own), or nil, said in the log with what to do.
    private func hookCredentials(_ kind: HookRun.Kind, qualifiedArn: String, version: String) async
        -> AWSCredentials?
    {
        switch plan.hookCredentials {
        case .none:
            return nil
        case .deploy:
            return try? await deps.credentials()
        case .invoke:
            let session = NarrowedSession(
                policy: HookEnvironment.invokePolicy(qualifiedArn: qualifiedArn),
                durationSeconds: HookEnvironment.sessionSeconds(hookTimeout: plan.hookTimeoutSeconds),
                sessionName: "lambda-shift-hook-\(version)")
            do {
                if let narrowed = try await deps.narrowedCredentials(session) {
                    report.line(
                        "the \(kind.rawValue) command gets credentials that may only invoke version \(version) (--hook-credentials invoke)"
                    )
                    return narrowed
                }
                report.line(
                    "the \(kind.rawValue) command gets no AWS credentials: the deploy's are not from a web identity (role-to-assume or AWS_WEB_IDENTITY_TOKEN_FILE), so none limited to invoking version \(version) can be made; set --hook-credentials deploy to pass the deploy's own"
                )
            } catch {
                report.line(
                    "the \(kind.rawValue) command gets no AWS credentials: STS did not give credentials limited to invoking version \(version) (\(sentence(of: error)))"
                )
            }
            return nil
        }
    }
}
