import CISupport
import Config
import FoundationEssentials
import LambdaShiftCore
import Packaging

/// What the commands other than deploy's do once parsed: the CLI declares their arguments and
/// hands their flags here, so each runs in-process over `CommandContext`.
package enum CommandRuns {
    /// An operator command's target and AWS clients, from its flags.
    package static func operations(_ command: SettingCommand, _ flags: SettingFlags, _ context: CommandContext)
        async throws -> OperatorCommands
    {
        let settings = try ResolvedSettings.resolve(command, flags: flags, ci: context.ci)
        var target = try OperatorTarget(settings)
        var deps = try context.dependencies(settings)
        guard target.isWeb, let web = deps.web else { return OperatorCommands(deps: deps, target: target) }
        // A web function's endpoint reads and moves as an alias (WebEndpointAliases).
        // doctor finds the endpoint itself, as a check that can fail.
        if target.alias.isEmpty && command != .doctor {
            target.alias = try await DeployPipeline.existingEndpoint(
                of: WebTarget(function: target.function, endpoint: nil, restoreAutoDeploy: true), web: web,
                region: deps.region
            ).name
        }
        deps.functions = WebEndpointAliases(
            web: web, lambda: deps.functions, clock: deps.clock, sleeper: deps.pollSleeper)
        return OperatorCommands(deps: deps, target: target)
    }

    /// `package`: zips (or reads) the code and writes its digests.
    package static func package(_ flags: SettingFlags, out: String?, _ context: CommandContext) async throws {
        let settings = try ResolvedSettings.resolve(.package, flags: flags, ci: context.ci)
        let result = try await CodeSource.resolve(settings).prepare(
            out: out ?? "package.zip", environment: context.environment)
        result.warnings.forEach(context.reporter.warning)
        try CommandResult(
            command: "package", outcome: .ok,
            lines: [
                "\(result.path): \(result.size) bytes, \(result.filesDescription), \(result.uncompressedSize) bytes unzipped",
                "sha256       \(result.sha256Hex)", "code-sha256  \(result.codeSha256)",
            ],
            members: [
                "path": .string(result.path), "sha256": .string(result.sha256Hex),
                "code-sha256": .string(result.codeSha256), "size": .int(Int(result.size)),
                "entries": .int(result.entryCount), "uncompressed-size": .int(Int(result.uncompressedSize)),
            ]
        ).write(to: context)
    }

    /// `iam-policy`: the policy for these settings, as IAM JSON or Terraform; what it assumed
    /// goes to stderr as plain lines (no workflow command at all).
    package static func iamPolicy(
        _ flags: SettingFlags, format: String, repository: String?, accountId: String?, artifacts: Bool = false,
        _ context: CommandContext
    ) throws {
        guard ["json", "terraform"].contains(format) else {
            throw ConfigError("--format is \"\(format)\": use json or terraform.")
        }
        if let accountId, accountId != "*", accountId.count != 12 || !accountId.allSatisfy(\.isNumber) {
            throw ConfigError("--account-id is \"\(accountId)\": give a 12-digit AWS account id.")
        }
        var flags = flags
        if flags[.artifact] == nil && flags[.imageUri] == nil { flags[.source] = "." }  // no build needed
        let built = try IAMPolicyBuilder.build(
            flags, ci: context.ci, repository: repository, accountId: accountId, region: flags[.region],
            artifacts: artifacts)
        let note = context.errorOutput
        let plural = built.environments.count == 1 ? "" : "s"
        note("iam-policy for environment\(plural) \(built.environments.joined(separator: ", "))")
        for assumption in built.assumptions { note("assumed: \(assumption)") }
        let document = built.document
        let text = format == "json" ? document.json() : document.terraform()
        try CommandResult(
            command: "iam-policy", outcome: .ok, lines: [text],
            members: [
                "format": .string(format), "environments": .array(built.environments.map { .string($0) }),
                "policy": format == "json" ? document.value() : .string(text),
            ]
        ).write(to: context)
    }
}

extension CommandContext {
    /// Whether the arguments ask for `--output json` (read before parsing, so that even an
    /// argument error is answered with a JSON document).
    package static func wantsJSON(_ arguments: [String]) -> Bool {
        for (index, argument) in arguments.enumerated() {
            if argument == "--output=json" { return true }
            if argument == "--output", index + 1 < arguments.count, arguments[index + 1] == "json" { return true }
        }
        return false
    }

    /// Reports a first argument that names no command (with the nearest that does) and returns
    /// the usage exit code.
    package func unknownCommand(_ first: String, among names: [String]) -> Int32 {
        let suggestion = nearest(to: first, among: names) ?? "deploy"
        let hint = editDistance(suggestion, first) <= 3 ? " (did you mean \(suggestion)?)" : ""
        let sentence = "Unknown command \"\(first)\"\(hint): run lambda-shift --help for the commands."
        reporter.error(sentence, title: nil)
        failureDocument(command: "lambda-shift", code: ExitStatus.usage, sentence: sentence)
        return ExitStatus.usage
    }

    /// Reports a failure of ours (or a cancellation) that ended `command`, once, and returns its
    /// exit code: the sentence on stderr and, with `--output json`, the document.
    package func failed(_ error: any Error, command: String) -> Int32 {
        let code = Outcome(ending: error).exitCode
        let said = sentence(of: error)
        reporter.error(said, title: code == ExitStatus.rollbackFailed ? "ROLLBACK FAILED: the alias may be split" : nil)
        failureDocument(command: command, code: code, sentence: said)
        return code
    }

    /// The JSON document of a run that failed before its command wrote one.
    package func failureDocument(command: String, code: Int32, sentence: String) {
        guard result.json, !result.wroteDocument else { return }
        var document = CommandResult(
            command: command, outcome: Outcome(failureCode: code), lines: [], sentence: sentence
        )
        .document
        // A deploy's or an advance's document always says whether it skipped (the schema's rule).
        if ["deploy", "advance"].contains(command) { document["skipped"] = .bool(false) }
        result.document(document)
    }

    /// No command ran: the program answered with its version or a help text (exit 0). Its
    /// document is the program's own answer, with no Outcome to name it.
    package func programAnswer(_ text: String, isVersion: Bool) {
        if result.json {
            result.document([
                "command": .string("lambda-shift"), "outcome": .string(isVersion ? "version" : "help"),
                "exit-code": .int(0), (isVersion ? "version" : "message"): .string(text),
            ])
        } else if !text.isEmpty {
            result.text(text)
        }
    }
}
