import LambdaShiftCore
import FoundationEssentials

/// One setting: its name (the flag without dashes, the action input, the file key), the
/// environment variables that carry it, its type, default and meaning. `SettingsTable.all`
/// is the one list: `.lambda-shift.yml`'s known keys come from it, and tests hold the
/// README's settings table and the action's inputs to it.
public struct SettingSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case text, list, duration, percent, count, choice([String]), json, template
    }

    public var name: String
    public var kind: Kind
    public var defaultText: String
    public var doc: String
    /// Keys `.lambda-shift.yml` accepts for it (none: the file cannot set it).
    public var fileKeys: [String]
    /// Whether the GitHub Action has an input for it.
    public var actionInput: Bool

    public init(
        _ name: String, _ kind: Kind, default defaultText: String, _ doc: String, fileKeys: [String]? = nil,
        actionInput: Bool = true
    ) {
        self.name = name
        self.kind = kind
        self.defaultText = defaultText
        self.doc = doc
        self.fileKeys = fileKeys ?? [name]
        self.actionInput = actionInput
    }

    public var flag: String { "--" + name }

    /// `INPUT_<NAME>` (an action input as the runner passes it, hyphens kept), then
    /// `LAMBDA_SHIFT_<NAME>` (hyphens as underscores).
    public var environmentNames: [String] {
        ["INPUT_" + name.uppercased(), lambdaShiftVariable(name)]
    }
}

public enum SettingsTable {
    /// Every setting a deploy reads (the operator commands read the subset they need).
    public static let all: [SettingSpec] = [
        SettingSpec(
            "function", .template, default: "required",
            "Function name or ARN; may use {environment} and the other placeholders."),
        SettingSpec("alias", .text, default: "live", "Alias to move."),
        SettingSpec("source", .text, default: "one of source or zip", "Build directory to zip deterministically."),
        SettingSpec("zip", .text, default: "one of source or zip", "A prebuilt zip, used as it is."),
        SettingSpec(
            "artifact", .text, default: "none: package --source or --zip",
            "An uploaded package, s3://BUCKET/KEY[?versionId=V], deployed as it is (no packaging, no upload)."),
        SettingSpec("exclude", .list, default: ".lambdaignore", "Globs of paths to leave out, as in .gitignore."),
        SettingSpec(
            "include-hidden", .choice(["true", "false"]), default: "false",
            "Package version-control folders (.git, .hg, .svn), left out by default, and files that usually hold secrets without a warning."
        ),
        SettingSpec("bucket", .text, default: "required", "Bucket for the packages (versioned)."),
        SettingSpec("key", .template, default: "{repository}/{function}/{version}/package.zip", "S3 key template."),
        SettingSpec("region", .text, default: "AWS_REGION, AWS_DEFAULT_REGION, the profile", "AWS region."),
        SettingSpec(
            "environment", .text, default: "the branch map's", "Environment, overriding the branch map.", fileKeys: []),
        SettingSpec("branch", .text, default: "from the CI or git", "Branch, overriding detection.", fileKeys: []),
        SettingSpec(
            "strategy", .text, default: "production: Canary10Percent5Minutes, else AllAtOnce",
            "CodeDeploy name or short form."),
        SettingSpec(
            "alarm", .list, default: "none", "CloudWatch alarms gating each step.", fileKeys: ["alarms", "alarm"]),
        SettingSpec("alarm-prefix", .list, default: "none", "Gate on every alarm whose name starts with this."),
        SettingSpec(
            "alarm-already-firing", .choice(["block", "ignore"]), default: "block",
            "An alarm in ALARM before the deploy."),
        SettingSpec(
            "max-error-rate", .percent, default: "no metrics gate", "Highest error+throttle rate of the new version."),
        SettingSpec(
            "min-invocations", .count, default: "1",
            "Invocations needed before silence counts as health (with the canary gates: of each version)."),
        SettingSpec(
            "max-error-rate-increase", .percent, default: "no comparison",
            "Percentage points the new version's error rate may exceed the stable version's by, over the same minutes; fails only when significant at --confidence."
        ),
        SettingSpec(
            "max-duration-increase", .percent, default: "no comparison",
            "Percent the new version's p99 Duration may exceed the stable version's by."),
        SettingSpec(
            "confidence", .percent, default: "95",
            "Confidence an error-rate excess needs to fail the canary (one-sided score test)."),
        SettingSpec(
            "max-bake", .duration, default: "3 × the step's bake",
            "How long a step without a verdict (too little traffic) may bake in all."),
        SettingSpec(
            "on-inconclusive", .choice(["rollback", "proceed"]), default: "rollback",
            "What a step still without a verdict at --max-bake does."),
        SettingSpec(
            "warm-invocations", .count, default: "0",
            "Invoke the alias this many times per step with the smoke payload, spread over the bake (runs the function: side effects)."
        ),
        SettingSpec(
            "smoke-payload", .json, default: "no smoke test", "JSON (or @FILE) to invoke the new version with first."),
        SettingSpec("bake", .duration, default: "0", "Keep checking the gates this long after 100%."),
        SettingSpec("gate-interval", .duration, default: "10s", "How often the gates are checked during a bake."),
        SettingSpec(
            "waves", .text, default: "all targets in one wave",
            "With several targets: cumulative wave sizes, counts or percentages (1,25%,100%); each wave finishes before the next."
        ),
        SettingSpec("parallel", .count, default: "4", "With several targets: how many shift (and prepare) at once."),
        SettingSpec("allowed-account-ids", .list, default: "any", "Account ids this deploy may touch."),
        SettingSpec(
            "role-to-assume", .text, default: "the usual credential chain", "Role to assume with the CI's OIDC token."),
        SettingSpec("keep-versions", .count, default: "keep all", "Delete published versions beyond the newest N."),
        SettingSpec(
            "preview", .choice(["true", "false"]), default: "false",
            "Deploy the branch all at once to its own preview alias, leaving every other alias alone."),
        SettingSpec(
            "preview-alias", .template, default: "preview-{branch}",
            "The preview alias's name: {branch} and {pr} (the pull or merge request number) are filled in."),
        SettingSpec(
            "function-url", .choice(["AWS_IAM", "NONE"]), default: "none",
            "With --preview: create (or keep) a function URL on the preview alias, with this auth type; the url output."
        ),
        SettingSpec(
            "older-than", .duration, default: "none",
            "cleanup: remove every preview alias whose version is older than this (14d, 36h).", fileKeys: []),
        SettingSpec("config", .text, default: ".lambda-shift.yml if present", "Settings file.", fileKeys: []),
    ]

    /// The keys `.lambda-shift.yml` accepts (besides `environments:`).
    public static var fileKeys: Set<String> { Set(all.flatMap(\.fileKeys)) }

    public static func spec(_ name: String) -> SettingSpec? { all.first { $0.name == name } }
}
