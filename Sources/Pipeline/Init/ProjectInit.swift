import AWSCore
import AWSServices
import CISupport
import Config
import FoundationEssentials
import Hashing
import LambdaShiftCore
import Ports

/// `lambda-shift init`: from nothing to a gated production deploy. Reads what exists of the
/// function (runtime, package type, architecture, aliases, the bucket its code is kept in, the
/// alarms whose dimensions name it, provisioned concurrency, code signing), writes
/// `.lambda-shift.yml` and the chosen CI's file (`InitFacts`), never over an existing file without
/// `--force`, then prints the role's least-privilege policy, what is left to do, and the `plan`
/// of the first production deploy. What it cannot read (no credentials, no such function) is a
/// warning: the files are written from the flags. `--dry-run` prints the files instead.
package struct ProjectInit: Sendable {
    package enum CI: String, Sendable, CaseIterable {
        case github, gitlab, codebuild

        var path: String {
            switch self {
            case .github: ".github/workflows/deploy.yml"
            case .gitlab: ".gitlab-ci.yml"
            case .codebuild: "buildspec.yml"
            }
        }
    }

    package static let abstract =
        "Write .lambda-shift.yml and a CI job for a function from what it finds, then print the role's policy, what is left to do, and the first deploy's plan."
    package static let discussion = """
        Reads the function (runtime, package type, architecture, aliases, the alarms whose dimensions name it, \
        provisioned concurrency, code signing) when credentials allow, and writes from the flags otherwise. Never \
        replaces a file without --force; --dry-run prints the files instead.
        Examples:
          lambda-shift init --function name-searcher --bucket my-artifacts
          lambda-shift init --function name-searcher --ci gitlab --dry-run
        """

    package var ci: String?
    var function: String?
    var bucket: String?
    var region: String?
    var roleToAssume: String?
    package var repository: String?
    package var format = "json"
    package var force = false
    package var dryRun = false
    /// Where the files go (the repository's root).
    package var directory = "."
    package var version: String

    package init(version: String) { self.version = version }

    /// The CI asked for, else the one the directory already uses, else GitHub.
    func chosenCI() throws -> CI {
        if let ci {
            guard let chosen = CI(rawValue: ci) else {
                throw ConfigError("--ci is \"\(ci)\": use github, gitlab or codebuild.")
            }
            return chosen
        }
        let files = FileManager.default
        if files.fileExists(atPath: directory + "/.gitlab-ci.yml") { return .gitlab }
        if files.fileExists(atPath: directory + "/buildspec.yml") { return .codebuild }
        return .github
    }

    /// Runs with the function, bucket, region and role the flags (or the environment, or an
    /// existing settings file) give.
    package func run(_ flags: SettingFlags, _ context: CommandContext) async throws -> CommandResult {
        let settings = try ResolvedSettings.resolve(.initialize, flags: flags, ci: context.ci)
        var run = self
        (run.function, run.bucket) = (settings.text(.function), settings.text(.bucket))
        (run.region, run.roleToAssume) = (settings.text(.region), settings.text(.roleToAssume))
        return try await run.run(context)
    }

    func run(_ context: CommandContext) async throws -> CommandResult {
        let ci = try chosenCI()
        guard let function = function?.trimmed(), !function.isEmpty else {
            throw ConfigError(
                "Name the function with --function: init writes its settings and CI job around it (it reads the function when credentials allow)."
            )
        }
        _ = try FunctionName.validated(function, origin: "--function")
        let digest = try Self.ownDigest()
        var facts = InitFacts(function: function, version: version, binarySha256: digest)
        facts.bucket = bucket
        facts.region = region
        facts.repository = repository ?? context.ci.provenance.repository
        var warnings: [String] = []
        var deps: DeployDependencies?
        do {
            deps = try context.dependencies(region: region, roleToAssume: roleToAssume)
        } catch {
            warnings.append("Could not reach AWS (\(sentence(of: error))): the files are written from the flags alone.")
        }
        if let deps { warnings += await Self.discover(&facts, deps) }
        warnings.forEach(context.reporter.warning)

        // The files: written, kept (they exist), or with --dry-run shown.
        let planned = [(".lambda-shift.yml", facts.settingsFile), (ci.path, text(of: ci, facts))]
        var lines: [String] = [], written: [String] = [], kept: [String] = []
        var files: [JSONValue] = []
        for (path, content) in planned {
            let full = directory + "/" + path
            let exists = FileManager.default.fileExists(atPath: full)
            let action: String
            if dryRun {
                action = exists && !force ? "would keep" : "would write"
                lines += ["\(action) \(path):", content]
            } else if exists && !force {
                action = "kept"
                kept.append(path)
                lines.append("kept \(path): it exists (--force replaces it)")
            } else {
                action = "wrote"
                try Self.write(content, to: full)
                written.append(path)
                lines.append("wrote \(path)")
            }
            files.append(.object(["path": .string(path), "action": .string(action), "content": .string(content)]))
        }
        if !dryRun && written.isEmpty {
            lines.append("Nothing written: every file exists. Run init with --force to replace them.")
        }

        // The settings to judge and plan with: the file on disk, or (dry run) the one proposed.
        let settingsPath: String
        if dryRun || !FileManager.default.fileExists(atPath: directory + "/.lambda-shift.yml") {
            settingsPath =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "lambda-shift-init-\(UUID().uuidString).yml"
                ).path
            try Self.write(facts.settingsFile, to: settingsPath)
        } else {
            settingsPath = directory + "/.lambda-shift.yml"
        }
        defer {
            if settingsPath.hasPrefix(FileManager.default.temporaryDirectory.path) {
                try? FileManager.default.removeItem(atPath: settingsPath)
            }
        }
        var flags = SettingFlags()
        flags[.config] = settingsPath

        guard ["json", "terraform"].contains(format) else {
            throw ConfigError("--format is \"\(format)\": use json or terraform.")
        }
        // Each environment's role: its trust (who may assume it) and its permissions (what
        // `iam-policy` prints for that environment; it names the bucket, so it waits for one).
        var policies: [String: JSONValue] = [:], trusts: [String: JSONValue] = [:]
        for environment in InitFacts.environments {
            let trust = facts.trustPolicy(environment, ci: ci)
            trusts[environment] = trust
            lines += ["", "Role \(facts.role(environment)), its trust policy:", trust.renderedPretty()]
            guard facts.bucket != nil else { continue }
            var scoped = flags
            scoped[.environment] = environment
            let policy = try policyText(scoped, facts: facts, context)
            policies[environment] = policy.value
            lines += [
                "its permissions (\(format), `lambda-shift iam-policy --environment \(environment)`):", policy.text,
            ]
        }
        let todo = Self.todo(facts, ci: ci)
        lines += ["", "Still to do:"] + todo.map { "- " + $0 }
        var plan: [String] = []
        if let deps {
            plan = await firstPlan(flags, deps: deps, context)
            lines += ["", "plan of the first production deploy:"] + plan.map { "  " + $0 }
        }
        let outcome: Outcome = dryRun || !written.isEmpty ? .ok : .nothingToDo
        return CommandResult(
            command: "init", outcome: outcome, lines: lines,
            members: [
                "ci": .string(ci.rawValue), "files": .array(files), "warnings": .array(warnings.map { .string($0) }),
                "alarms": .array(facts.alarms.map { .string($0) }), "policies": .object(policies),
                "trust": .object(trusts),
                "todo": .array(todo.map { .string($0) }), "plan": .array(plan.map { .string($0) }),
                "dry-run": .bool(dryRun),
            ],
            sentence: written.isEmpty && !dryRun ? "Nothing written: every file exists." : "")
    }

    func text(of ci: CI, _ facts: InitFacts) -> String {
        switch ci {
        case .github: facts.githubWorkflow
        case .gitlab: facts.gitlabJob
        case .codebuild: facts.buildspec
        }
    }

    /// What the function, its aliases and alarms say; each read that fails is a warning.
    static func discover(_ facts: inout InitFacts, _ deps: DeployDependencies) async -> [String] {
        var warnings: [String] = []
        facts.region = facts.region ?? deps.region
        do {
            facts.account = try await deps.identity.getCallerIdentity().account
        } catch {
            return [
                "Could not tell who these credentials are (\(sentence(of: error))): the files are written from the flags alone."
            ]
        }
        let lambda = deps.functions, name = facts.function
        do {
            let found = try await lambda.getFunction(name, qualifier: nil)
            facts.runtime = found.runtime
            facts.image = found.packageType.map(PackageType.init) == .image
            facts.architecture = found.architectures.first ?? "x86_64"
            if facts.bucket == nil { facts.bucket = found.referencedObject?.bucket }
            facts.signed = try await lambda.codeSigningPolicy(name) != nil
            let aliases = try await lambda.listAliases(name)
            let preferred = ["live", "prod", "production"]
            if let alias = aliases.first(where: { preferred.contains($0.name) }) ?? aliases.first {
                facts.alias = alias.name
                facts.aliasNote =
                    alias.functionVersion == "$LATEST"
                    ? "found on $LATEST: the first deploy publishes what it serves as a version and points the alias there (same code), so later shifts move between versions"
                    : "found serving version \(alias.functionVersion)"
            } else {
                facts.aliasNote = "none found: the first deploy creates it"
            }
            facts.provisioned = try await lambda.provisionedConcurrencyQualifiers(name)
        } catch let error as AWSServiceError where error.kind == .notFound {
            warnings.append(
                "No function \(name) in \(deps.region) for this account: the files are written from the flags (lambda-shift deploys code to a function, it does not create one)."
            )
            return warnings
        } catch {
            warnings.append(
                "Could not read function \(name) (\(sentence(of: error))): the files are written from the flags.")
            return warnings
        }
        do {
            let simple = name.split(separator: ":").last.map(String.init) ?? name
            facts.alarms = try await deps.metrics.describeAlarms(names: [], prefix: nil).filter { alarm in
                alarm.dimensions["FunctionName"] == simple
                    || alarm.dimensions["Resource"].map { $0 == simple || $0.hasPrefix(simple + ":") } == true
            }.map(\.name).sorted()
        } catch {
            warnings.append(
                "Could not list the alarms (\(sentence(of: error))): add the function's alarms to alarm: by hand.")
        }
        return warnings
    }

    /// The policy for the settings written, as `iam-policy` prints it.
    func policyText(_ flags: SettingFlags, facts: InitFacts, _ context: CommandContext) throws -> (
        text: String, value: JSONValue
    ) {
        var flags = flags
        flags[.source] = "."
        let built = try IAMPolicyBuilder.build(
            flags, ci: context.ci, repository: facts.repository, accountId: facts.account, region: facts.region)
        let text = format == "json" ? built.document.json() : built.document.terraform()
        return (text, format == "json" ? built.document.value() : .string(text))
    }

    /// What the user still has to do, for this CI and what was found.
    static func todo(_ facts: InitFacts, ci: CI) -> [String] {
        var items: [String] = []
        if let provider = facts.oidcProvider(ci) {
            items.append(
                "Once per account, the OIDC identity provider the roles trust, if the account has none yet: aws iam create-open-id-connect-provider --url https://\(provider) --client-id-list sts.amazonaws.com"
            )
        }
        let account = facts.account.map { " --account-id \($0)" } ?? ""
        for environment in InitFacts.environments {
            items.append(
                "Create the role \(facts.role(environment)) with the trust policy above and the permissions `lambda-shift iam-policy --environment \(environment)\(account)` prints (--format terraform for Terraform)"
                    + (ci == .codebuild ? ", as the \(environment) deploy project's service role." : ".")
            )
        }
        if facts.repository == nil && ci != .codebuild {
            items.append("Replace OWNER/REPO in the trust policies with your repository (--repository names it).")
        }
        items.append(
            "The roles are CI's: by hand, `lambda-shift plan` and `deploy --environment NAME` use your own credentials."
        )
        if facts.account == nil {
            items.append("Replace ACCOUNT_ID in \(ci.path) with your AWS account id (no credentials told it).")
        }
        if facts.bucket == nil {
            items.append(
                "Name the bucket packages go to (bucket: in .lambda-shift.yml, a versioned S3 bucket of yours), then print the role's policy: lambda-shift iam-policy (--format terraform for Terraform)."
            )
        }
        if facts.alarms.isEmpty {
            let name = facts.function.split(separator: ":").last.map(String.init) ?? facts.function
            items.append(
                "Create an alarm to gate production on, and add it to alarm: in .lambda-shift.yml, e.g. aws cloudwatch put-metric-alarm --alarm-name \(name)-errors --namespace AWS/Lambda --metric-name Errors --dimensions Name=FunctionName,Value=\(name) --statistic Sum --period 60 --evaluation-periods 1 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching"
            )
        }
        if facts.signed { items.append("Name the Signer profile: signing-profile: in .lambda-shift.yml.") }
        if facts.image { items.append("Give the image each deploy ships: image-uri: (or the image-uri input).") }
        items.append(
            "Check the build step of \(ci.path): it must leave the function's files in dist/. Then commit both files and push to develop (staging), then main (production)."
        )
        return items
    }

    /// `plan` of the first production deploy from the settings written, over the build in
    /// `dist/`: its lines, or why it could not be made (never a failure of init). Without a build
    /// there is nothing to plan with (packaging the whole directory instead could take in
    /// anything, dependencies and build caches included): said, with the command for later.
    func firstPlan(_ flags: SettingFlags, deps: DeployDependencies, _ context: CommandContext) async -> [String] {
        let later = "lambda-shift plan --environment production"
        guard FileManager.default.fileExists(atPath: directory + "/dist") else {
            return ["no build in dist/ yet: run the build, then `\(later)`"]
        }
        var flags = flags
        flags[.environment] = "production"
        flags[.source] = directory + "/dist"
        do {
            let settings = try ResolvedSettings.resolve(.plan, flags: flags, ci: context.ci)
            guard let plan = try DeployPlan.resolve(settings) else { return ["no environment to plan for"] }
            return try await DeployPipeline(plan: plan, deps: deps, events: DeployReport(context: context)).dryRun()
                .lines
        } catch {
            return ["could not plan yet (\(sentence(of: error))): fix that, then `\(later)`"]
        }
    }

    /// The SHA-256 of the running binary: a release's asset has the digest its `.sha256` says,
    /// so the CI files pin exactly what ran init.
    static func ownDigest() throws -> String {
        guard let bytes = FileManager.default.contents(atPath: "/proc/self/exe") else {
            throw ConfigError("Cannot read this binary (/proc/self/exe) to pin its digest in the CI files.")
        }
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return ByteEncoding.hex(hasher.finalize())
    }

    static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        } catch {
            throw ConfigError("Cannot write \(path) (\(error)): check the directory's permissions.")
        }
    }
}
