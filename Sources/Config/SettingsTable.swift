import LambdaShiftCore
import FoundationEssentials

/// The commands that read settings; a setting's scope is the commands that read it.
package enum SettingCommand: String, Sendable, CaseIterable, Hashable {
    case deploy, plan, package, status, promote, rollback, cleanup, doctor
    case iamPolicy = "iam-policy"
    /// `init`: the function, its bucket, region and role, to read what exists and write from it.
    case initialize = "init"

    /// deploy, plan and iam-policy: iam-policy's policy is computed from the plan a deploy would make.
    package static let deploying: Set<SettingCommand> = [.deploy, .plan, .iamPolicy]
    /// Every command that works on a function's alias.
    package static let targeting: Set<SettingCommand> = deploying.union([
        .status, .promote, .rollback, .cleanup, .doctor,
    ])
}

/// One setting: its name (the flag without dashes, the action input, the file key), the
/// environment variables that carry it, its type, default, scope and meaning. `SettingsTable.all`
/// is the one list: every command's settings are resolved from it (`ResolvedSettings`), the
/// flags' help is its text, `.lambda-shift.yml`'s known keys come from it, and tests hold
/// docs/settings.md and the action's inputs to it.
package struct SettingSpec: Sendable, Equatable {
    /// What a value is, and so how its text is parsed (once, with its origin in every error).
    package enum Kind: Sendable, Equatable {
        /// Free text, used as it is.
        case text
        /// Text with `{placeholders}`, filled in by its one use.
        case template
        /// Values: a repeated flag, a list in the file, or comma/newline-separated text.
        case list
        /// A list that names health gates: given but empty is refused (it would remove a gate).
        case gateList
        /// Comma-separated 12-digit AWS account ids.
        case accountIds
        /// `90`, `30s`, `5m`, `1h`, `1m30s`: whole seconds.
        case duration
        /// A duration that may also be whole days (`14d`).
        case age
        /// A rate from 0 to 100 percent with at most two decimals: basis points.
        case rate
        /// A positive percentage up to `upTo`, with at most two decimals.
        case percent(upTo: Double)
        /// A whole number within `range`; `what` says what it counts, for the error.
        case count(ClosedRange<Int>, what: String)
        /// One of these words.
        case choice([String])
        /// true or false (also 1/0, yes/no).
        case flag
        /// A JSON document, or `@FILE` holding one.
        case json

        /// Whether the file takes a YAML list for it.
        package var isList: Bool {
            switch self {
            case .list, .gateList, .accountIds: true
            default: false
            }
        }
    }

    /// A meaning of the setting that one command reads differently (its kind and default).
    package struct Variant: Sendable, Equatable {
        package var kind: Kind
        package var defaultValue: String?
        package var doc: String
        package init(kind: Kind, defaultValue: String?, doc: String) {
            self.kind = kind
            self.defaultValue = defaultValue
            self.doc = doc
        }
    }

    package var name: String
    package var kind: Kind
    /// The value used when nothing sets it (parsed like any other), or nil: unset.
    package var defaultValue: String?
    /// The default as a reader sees it, for help and docs/settings.md.
    package var defaultText: String
    package var doc: String
    /// Keys `.lambda-shift.yml` accepts for it (none: the file cannot set it).
    package var fileKeys: [String]
    /// Whether the GitHub Action has an input for it.
    package var actionInput: Bool
    /// The commands that read it.
    package var commands: Set<SettingCommand>
    /// Commands that read it with another kind or default.
    package var variants: [SettingCommand: Variant]
    /// Whether it changes what `iam-policy` prints, and so is one of its flags (iam-policy reads
    /// every deploy setting from the environment and the file, as deploy does, but takes as
    /// flags only those that shape the policy).
    package var shapesPolicy: Bool {
        Self.policyShaping.contains(name)
    }

    static let policyShaping: Set<String> = [
        Setting.function, .bucket, .key, .artifact, .imageUri, .signingProfile, .signedPrefix, .preview, .previewAlias,
        .webFunction, .endpoint,
        .environment, .branch, .alarm, .alarmPrefix, .maxErrorRate, .maxErrorRateIncrease, .maxDurationIncrease,
        .maxMemoryUse, .maxInitDurationIncrease, .logGroup, .smokePayload, .keepVersions, .region, .config,
        .codeStorage,
    ].reduce(into: []) { $0.insert($1.name) }

    /// Whether `command` takes it as a flag (every command that reads it, but iam-policy only
    /// those that shape its policy).
    package func isFlag(of command: SettingCommand) -> Bool {
        commands.contains(command) && (command != .iamPolicy || shapesPolicy)
    }

    package init(
        _ setting: Setting, _ kind: Kind, default defaultText: String, value defaultValue: String? = nil, _ doc: String,
        fileKeys: [String]? = nil, actionInput: Bool = true, commands: Set<SettingCommand> = SettingCommand.deploying,
        variants: [SettingCommand: Variant] = [:]
    ) {
        self.name = setting.name
        self.kind = kind
        self.defaultValue = defaultValue
        self.defaultText = defaultText
        self.doc = doc
        self.fileKeys = fileKeys ?? [name]
        self.actionInput = actionInput
        self.commands = commands.union(variants.keys)
        self.variants = variants
    }

    package var flag: String { "--" + name }

    /// `INPUT_<NAME>` (an action input as the runner passes it, hyphens kept), then
    /// `LAMBDA_SHIFT_<NAME>` (hyphens as underscores).
    package var environmentNames: [String] {
        ["INPUT_" + name.uppercased(), lambdaShiftVariable(name)]
    }

    /// The setting as `command` reads it.
    package func scoped(to command: SettingCommand) -> SettingSpec {
        guard let variant = variants[command] else { return self }
        var scoped = self
        scoped.kind = variant.kind
        scoped.defaultValue = variant.defaultValue
        scoped.defaultText = variant.defaultValue ?? defaultText
        scoped.doc = variant.doc
        scoped.variants = [:]
        return scoped
    }

    /// The flag's help: the meaning, and the default when there is one worth saying.
    package func help(for command: SettingCommand) -> String {
        let spec = scoped(to: command)
        let quiet: Set = ["none", "required", "", "no smoke test"]
        return quiet.contains(spec.defaultText) || spec.defaultText.hasPrefix("one of")
            ? spec.doc : "\(spec.doc) (default: \(spec.defaultText))"
    }
}

/// A setting's name, checked by the compiler: the table's entries and every read use these
/// (`settings.seconds(.hookTimeout)`), so a misspelled setting does not compile, and the name is
/// written here once.
package struct Setting: Sendable, Hashable, CustomStringConvertible {
    package let name: String
    init(_ name: String) { self.name = name }
    package var description: String { name }
}

extension Setting {
    package static let function = Setting("function")
    package static let alias = Setting("alias")
    package static let webFunction = Setting("web-function")
    package static let endpoint = Setting("endpoint")
    package static let endpointAutoDeploy = Setting("endpoint-auto-deploy")
    package static let source = Setting("source")
    package static let zip = Setting("zip")
    package static let artifact = Setting("artifact")
    package static let imageUri = Setting("image-uri")
    package static let signingProfile = Setting("signing-profile")
    package static let signedPrefix = Setting("signed-prefix")
    package static let exclude = Setting("exclude")
    package static let includeHidden = Setting("include-hidden")
    package static let bucket = Setting("bucket")
    package static let key = Setting("key")
    package static let region = Setting("region")
    package static let environment = Setting("environment")
    package static let branch = Setting("branch")
    package static let strategy = Setting("strategy")
    package static let alarm = Setting("alarm")
    package static let alarmPrefix = Setting("alarm-prefix")
    package static let alarmAlreadyFiring = Setting("alarm-already-firing")
    package static let maxErrorRate = Setting("max-error-rate")
    package static let minInvocations = Setting("min-invocations")
    package static let maxErrorRateIncrease = Setting("max-error-rate-increase")
    package static let maxDurationIncrease = Setting("max-duration-increase")
    package static let maxMemoryUse = Setting("max-memory-use")
    package static let maxInitDurationIncrease = Setting("max-init-duration-increase")
    package static let logGroup = Setting("log-group")
    package static let confidence = Setting("confidence")
    package static let maxBake = Setting("max-bake")
    package static let onInconclusive = Setting("on-inconclusive")
    package static let warmInvocations = Setting("warm-invocations")
    package static let smokePayload = Setting("smoke-payload")
    package static let bake = Setting("bake")
    package static let gateInterval = Setting("gate-interval")
    package static let showSmokeResponse = Setting("show-smoke-response")
    package static let smokeTenantId = Setting("smoke-tenant-id")
    package static let preTrafficCommand = Setting("pre-traffic-command")
    package static let postTrafficCommand = Setting("post-traffic-command")
    package static let hookTimeout = Setting("hook-timeout")
    package static let hookCredentials = Setting("hook-credentials")
    package static let detach = Setting("detach")
    package static let maxIdle = Setting("max-idle")
    package static let provisionedConcurrencyTimeout = Setting("provisioned-concurrency-timeout")
    package static let waves = Setting("waves")
    package static let parallel = Setting("parallel")
    package static let allowedAccountIds = Setting("allowed-account-ids")
    package static let roleToAssume = Setting("role-to-assume")
    package static let keepVersions = Setting("keep-versions")
    package static let codeStorage = Setting("code-storage")
    package static let runtimeDrift = Setting("runtime-drift")
    package static let preview = Setting("preview")
    package static let previewAlias = Setting("preview-alias")
    package static let functionUrl = Setting("function-url")
    package static let olderThan = Setting("older-than")
    package static let config = Setting("config")
}

package enum SettingsTable {
    /// Every setting, in the order docs/settings.md lists them.
    package static let all: [SettingSpec] = [
        SettingSpec(
            .function, .template, default: "required",
            "Function name or ARN; may use {environment} and the other placeholders (deploy: repeat it, or give one per line, for several targets).",
            commands: SettingCommand.targeting.union([.initialize])),
        SettingSpec(
            .alias, .text, default: "live", value: "live", "Alias to move.", commands: SettingCommand.targeting),
        SettingSpec(
            .webFunction, .template, default: "none: --function's alias",
            "A Lambda web function to deploy instead (its endpoint's revision weights move as an alias's would).",
            commands: SettingCommand.targeting),
        SettingSpec(
            .endpoint, .text, default: "the web function's only endpoint",
            "With --web-function: the endpoint whose traffic moves.", commands: SettingCommand.targeting),
        SettingSpec(
            .endpointAutoDeploy, .choice(["restore", "disabled"]), default: "restore", value: "restore",
            "With --web-function: an endpoint found in LatestRevision mode is set to Disabled before the new revision exists; restore puts the mode back once the rollout ends, disabled leaves it off.",
            commands: [.deploy, .plan]),
        SettingSpec(
            .source, .text, default: "one of source or zip", "Build directory to zip deterministically.",
            commands: SettingCommand.deploying.union([.package])),
        SettingSpec(
            .zip, .text, default: "one of source or zip", "A prebuilt zip, used as it is.",
            commands: SettingCommand.deploying.union([.package])),
        SettingSpec(
            .artifact, .text, default: "none: the build is packaged",
            "An uploaded package, s3://BUCKET/KEY[?versionId=V], deployed as it is (no packaging, no upload)."),
        SettingSpec(
            .imageUri, .text, default: "none: a zip function",
            "A container image for an image function, ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG or @sha256:DIGEST; a tag is resolved to its digest before any change."
        ),
        SettingSpec(
            .signingProfile, .text, default: "none: unsigned",
            "An AWS Signer profile: the uploaded package is signed with it, and the signed object deployed (for functions with a code signing config)."
        ),
        SettingSpec(
            .signedPrefix, .text, default: "signed/",
            "Where in the bucket AWS Signer writes the signed package (with --signing-profile)."),
        SettingSpec(
            .exclude, .list, default: ".lambdaignore", "Globs of paths to leave out, as in .gitignore.",
            commands: SettingCommand.deploying.union([.package])),
        SettingSpec(
            .includeHidden, .flag, default: "false", value: "false",
            "Package version-control folders (.git, .hg, .svn), left out by default, and files that usually hold secrets without a warning.",
            commands: SettingCommand.deploying.union([.package])),
        SettingSpec(
            .bucket, .text, default: "required", "Bucket for the packages (versioned).",
            commands: SettingCommand.deploying.union([.doctor, .cleanup, .initialize])),
        SettingSpec(
            .key, .template, default: KeyTemplate.defaultTemplate, value: KeyTemplate.defaultTemplate,
            "S3 key template.", commands: SettingCommand.deploying.union([.cleanup])),
        SettingSpec(
            .region, .text, default: "AWS_REGION, AWS_DEFAULT_REGION, the profile", "AWS region.",
            commands: SettingCommand.targeting.union([.initialize])),
        SettingSpec(
            .environment, .text, default: "the branch map's", "Environment, overriding the branch map.",
            fileKeys: [], commands: SettingCommand.targeting),
        SettingSpec(
            .branch, .text, default: "from the CI or git", "Branch, overriding detection.", fileKeys: [],
            commands: SettingCommand.targeting),
        SettingSpec(
            .strategy, .text, default: "production: Canary10Percent5Minutes, else AllAtOnce",
            "CodeDeploy name or short form: AllAtOnce, canary:10%:5m, linear:20%:1m, steps:10%@1m,50%@2m."),
        SettingSpec(
            .alarm, .gateList, default: "none", "CloudWatch alarms gating each step.", fileKeys: ["alarms", "alarm"],
            commands: SettingCommand.deploying.union([.doctor])),
        SettingSpec(.alarmPrefix, .gateList, default: "none", "Gate on every alarm whose name starts with this."),
        SettingSpec(
            .alarmAlreadyFiring, .choice(["block", "ignore"]), default: "block", value: "block",
            "An alarm in ALARM before the deploy."),
        SettingSpec(
            .maxErrorRate, .rate, default: "no metrics gate", "Highest error+throttle rate of the new version."),
        SettingSpec(
            .minInvocations, .count(0...Int.max, what: "the invocations needed per check"), default: "1", value: "1",
            "Invocations needed before silence counts as health (with the canary gates: of each version)."),
        SettingSpec(
            .maxErrorRateIncrease, .percent(upTo: 100), default: "no comparison",
            "Percentage points the new version's error rate may exceed the stable version's by, over the same minutes; fails only when significant at --confidence."
        ),
        SettingSpec(
            .maxDurationIncrease, .percent(upTo: 10_000), default: "no comparison",
            "Percent of the stable median the new version's durations may be shifted above the stable version's by (judged over every invocation from the function's logs, with the p99 tail; from the p99 metric when the logs cannot be read)."
        ),
        SettingSpec(
            .maxMemoryUse, .percent(upTo: 100), default: "no memory gate",
            "Highest Max Memory Used of any invocation of the new version, in percent of its Memory Size (from the function's logs)."
        ),
        SettingSpec(
            .maxInitDurationIncrease, .percent(upTo: 10_000), default: "no comparison",
            "Percent of the stable median the new version's cold starts (Init Duration) may be shifted above the stable version's by (from the function's logs; no verdict below 5 cold starts of each)."
        ),
        SettingSpec(
            .logGroup, .text, default: "the function's LoggingConfig.LogGroup",
            "The log group the log-based canary judge reads the function's reports from.",
            commands: SettingCommand.deploying.union([.doctor])),
        SettingSpec(
            .confidence, .percent(upTo: 99.99), default: "95", value: "95",
            "Confidence an error-rate excess needs to fail the canary (one-sided score test)."),
        SettingSpec(
            .maxBake, .duration, default: "3 × the step's bake",
            "How long a step without a verdict (too little traffic) may bake in all."),
        SettingSpec(
            .onInconclusive, .choice(["rollback", "proceed"]), default: "rollback", value: "rollback",
            "What a step still without a verdict at --max-bake does."),
        SettingSpec(
            .runtimeDrift, .choice(["warn", "fail"]), default: "warn", value: "warn",
            "When the new version runs another runtime version than the stable one (so the canary judges the runtime as well as the code): say so, or fail the canary before any traffic moves.",
            commands: [.deploy, .plan]),
        SettingSpec(
            .codeStorage, .choice(["reference", "copy"]), default: "what the function uses now, else copy",
            "reference: Lambda reads the package from your versioned bucket at every cold start (outside the account's code storage quota; the bucket policy must let lambda.amazonaws.com read it); copy: Lambda keeps its own copy."
        ),
        SettingSpec(
            .warmInvocations, .count(0...10_000, what: "the invocations to send per step"), default: "0", value: "0",
            "Invoke the alias this many times per step with the smoke payload, spread over the bake (runs the function: side effects)."
        ),
        SettingSpec(
            .smokePayload, .json, default: "no smoke test", "JSON (or @FILE) to invoke the new version with first."),
        SettingSpec(
            .bake, .duration, default: "0", value: "0", "Keep checking the gates this long after 100% (30s, 5m)."),
        SettingSpec(
            .gateInterval, .duration, default: "10s", value: "10s", "How often the gates are checked during a bake."),
        SettingSpec(
            .showSmokeResponse, .flag, default: "false", value: "false",
            "Quote the smoke test's response (its first 300 bytes) in the report; by default only its size, as a function's answer may hold what no log should.",
            commands: [.deploy, .plan]),
        SettingSpec(
            .smokeTenantId, .text, default: "none",
            "The tenant id of the smoke test and the warm invocations: a tenant-isolated function needs one.",
            commands: [.deploy, .plan]),
        SettingSpec(
            .preTrafficCommand, .text, default: "none",
            "A command (sh -c) run once the new version is published, Active and smoke-tested, before any traffic moves; its failure moves none (exit 3).",
            commands: [.deploy, .plan]),
        SettingSpec(
            .postTrafficCommand, .text, default: "none",
            "A command (sh -c) run once the alias serves the new version in full, before the deploy counts; its failure restores the previous version (exit 3).",
            commands: [.deploy, .plan]),
        SettingSpec(
            .hookTimeout, .duration, default: "10m", value: "10m",
            "How long a pre- or post-traffic command may run before it is killed (and counts as failed).",
            commands: [.deploy, .plan]),
        SettingSpec(
            .hookCredentials, .choice(["invoke", "none", "deploy"]), default: "invoke", value: "invoke",
            "The AWS credentials a pre- or post-traffic command gets: invoke (short-lived, may only invoke the new version; none where the deploy's credentials are not a web identity), none, or deploy (the deploy's own).",
            commands: [.deploy, .plan]),
        SettingSpec(
            .detach, .flag, default: "false", value: "false",
            "Take the first weighted step, record the rollout on the alias and exit 0 (in-progress); later `advance` runs judge and move it.",
            commands: [.deploy, .plan]),
        SettingSpec(
            .maxIdle, .duration, default: "1h", value: "1h",
            "A detached rollout nobody advanced for this long past its due time is judged at once over everything since its step began.",
            commands: [.deploy, .plan]),
        SettingSpec(
            .provisionedConcurrencyTimeout, .duration, default: "15m", value: "15m",
            "How long to wait for an alias's (or version's) provisioned concurrency to be READY after a weight change; not READY by then rolls back (exit 3).",
            commands: [.deploy, .plan]),
        SettingSpec(
            .waves, .text, default: "all targets in one wave",
            "With several targets: cumulative wave sizes, counts or percentages (1,25%,100%); each wave finishes before the next."
        ),
        SettingSpec(
            .parallel, .count(1...64, what: "how many targets move at once"), default: "4", value: "4",
            "With several targets: how many shift (and prepare) at once."),
        SettingSpec(.allowedAccountIds, .accountIds, default: "any", "Account ids this deploy may touch."),
        SettingSpec(
            .roleToAssume, .text, default: "the usual credential chain", "Role to assume with the CI's OIDC token.",
            commands: SettingCommand.targeting.union([.initialize])),
        SettingSpec(
            .keepVersions, .count(1...Int.max, what: "how many versions to keep"), default: "keep all",
            "After a deploy, delete published versions beyond the newest N (never one an alias uses).",
            variants: [
                .cleanup: .init(
                    kind: .count(0...Int.max, what: "how many unused versions to keep"), defaultValue: "3",
                    doc: "cleanup: unused versions to keep, newest first.")
            ]),
        SettingSpec(
            .preview, .flag, default: "false", value: "false",
            "Deploy the branch all at once to its own preview alias, leaving every other alias alone."),
        SettingSpec(
            .previewAlias, .template, default: "preview-{branch}", value: "preview-{branch}",
            "The preview alias's name: {branch} and {pr} (the pull or merge request number) are filled in.",
            commands: SettingCommand.deploying.union([.cleanup])),
        SettingSpec(
            .functionUrl, .choice(["AWS_IAM", "NONE"]), default: "none",
            "With --preview: create (or keep) a function URL on the preview alias, with this auth type; the url output."
        ),
        SettingSpec(
            .olderThan, .age, default: "none",
            "cleanup: remove every preview alias whose version is older than this (14d, 36h).", fileKeys: [],
            commands: [.cleanup]),
        SettingSpec(
            .config, .text, default: ".lambda-shift.yml if present", "Settings file.", fileKeys: [],
            commands: SettingCommand.targeting),
    ]

    /// The keys `.lambda-shift.yml` accepts (besides `environments:`).
    package static var fileKeys: Set<String> { Set(all.flatMap(\.fileKeys)) }

    /// The entry of a setting named at run time (a file key, a flag read by name), or nil.
    package static func spec(named name: String) -> SettingSpec? { all.first { $0.name == name } }

    /// The entry of `setting` (every key has one: a test holds them together).
    package static func spec(_ setting: Setting) -> SettingSpec {
        guard let spec = spec(named: setting.name) else { preconditionFailure("\(setting) has no entry in the table") }
        return spec
    }

    /// The settings `command` reads, as it reads them.
    package static func settings(of command: SettingCommand) -> [SettingSpec] {
        all.filter { $0.commands.contains(command) }.map { $0.scoped(to: command) }
    }
}

extension SettingsTable {
    /// docs/settings.md's table, generated from `all` (a test holds the file to it).
    package static func markdown() -> String {
        func code(_ text: String) -> String { "`\(text)`" }
        func cell(_ text: String) -> String { text.replacingAll("|", with: "\\|") }
        var lines = [
            "| flag | action input · variable | file key | kind | default | read by | meaning |",
            "|---|---|---|---|---|---|---|",
        ]
        for spec in all {
            let input = spec.actionInput ? code(spec.name) + " · " : ""
            let commands = SettingCommand.allCases.filter(spec.commands.contains).map(\.rawValue)
            let read = commands.count == SettingCommand.allCases.count ? "all" : commands.joined(separator: ", ")
            var meaning = spec.doc
            var defaultText = spec.defaultText
            for (command, variant) in spec.variants.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                meaning += " \(command.rawValue): \(variant.doc)"
                defaultText += "; \(command.rawValue): \(variant.defaultValue ?? "none")"
            }
            lines.append(
                "| \(code(spec.flag)) | \(input)\(code(spec.environmentNames[1])) | "
                    + "\(spec.fileKeys.map(code).joined(separator: ", ")) | \(kindName(spec.kind)) | "
                    + "\(cell(defaultText)) | \(read) | \(cell(meaning)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func kindName(_ kind: SettingSpec.Kind) -> String {
        switch kind {
        case .text: "text"
        case .template: "template"
        case .list: "list"
        case .gateList: "alarm list (not empty)"
        case .accountIds: "12-digit account ids"
        case .duration: "duration (30s, 5m, 1h)"
        case .age: "duration or days (14d)"
        case .rate: "percent, 0 to 100"
        case .percent(let limit): "percent, above 0 to \(Decimals.text(limit))"
        case .count(let range, _):
            range.upperBound == Int.max
                ? "whole number ≥ \(range.lowerBound)" : "whole number \(range.lowerBound)–\(range.upperBound)"
        case .choice(let words): words.joined(separator: " or ")
        case .flag: "true or false"
        case .json: "JSON or @FILE"
        }
    }
}
