import LambdaShiftCore
import CISupport
import AWSCore
import Config
import FoundationEssentials

/// Reads a setting of `SettingsTable` the way PRODUCT.md orders them: the flag, then the
/// environment (the GitHub Action input `INPUT_<NAME>` with hyphens kept, then
/// `LAMBDA_SHIFT_<NAME>`), then `.lambda-shift.yml` (the environment's entry, then the top
/// level). The one place this precedence is written.
public struct SettingSource: Sendable {
    public var environment: Environment
    /// `.lambda-shift.yml`, when there is one, read for `environmentName`.
    public var file: ConfigFile?
    public var environmentName: String?

    public init(environment: Environment, file: ConfigFile? = nil) {
        self.environment = environment
        self.file = file
    }

    /// The setting's table entry; every name read must be one (a misspelt name is a bug).
    static func spec(_ name: String) -> SettingSpec {
        SettingsTable.spec(name) ?? SettingSpec(name, .text, default: "", "", actionInput: false)
    }

    public func value(_ flag: String?, _ name: String, fileKeys: [String]? = nil) -> String? {
        if let flag, !flag.isEmpty { return flag }
        let spec = Self.spec(name)
        for variable in spec.environmentNames {
            if let fromEnvironment = environment[variable] { return fromEnvironment }
        }
        for key in fileKeys ?? spec.fileKeys {
            if let fromFile = file?.value(key, environment: environmentName) { return fromFile }
        }
        return nil
    }

    /// Where a setting's value came from, named as the user wrote it: `--bake`,
    /// `INPUT_BAKE`, `LAMBDA_SHIFT_BAKE`, or `bake in .lambda-shift.yml`; for error sentences.
    public func origin(_ flag: String?, _ name: String, fileKeys: [String]? = nil) -> String {
        if let flag, !flag.isEmpty { return "--\(name)" }
        let spec = Self.spec(name)
        if environment[spec.environmentNames[0]] != nil { return "the \(name) input" }
        if environment[spec.environmentNames[1]] != nil { return spec.environmentNames[1] }
        for key in fileKeys ?? spec.fileKeys where file?.value(key, environment: environmentName) != nil {
            return file?.origin(key, environment: environmentName) ?? key
        }
        return "--\(name)"
    }

    /// A whole number setting within `range`, its errors naming the setting as the user wrote it.
    public func integer(_ flag: String?, _ name: String, in range: ClosedRange<Int>, what: String) throws -> Int? {
        guard let text = value(flag, name) else { return nil }
        guard let number = Int(text.trimmed(newlines: false)), range.contains(number) else {
            let bound =
                range.upperBound == Int.max
                ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw ConfigError("\(origin(flag, name)) is \"\(text)\": give \(what), a whole number \(bound).")
        }
        return number
    }

    /// The environment of this run: `--environment` (one the file lists, when it lists any),
    /// else the branch map's for `branch`; nil when the branch maps to none.
    public func environment(explicit: String?, branch: String?) throws -> (name: String, strategy: String?)? {
        let map = file?.branchMap ?? BranchMap.standard
        if let explicit = value(explicit, "environment") {
            if let names = file?.environmentNames, !names.isEmpty, !names.contains(explicit) {
                let suggestion = nearest(to: explicit, among: names) ?? names[0]
                throw ConfigError(
                    "\(origin(explicit, "environment")) is \"\(explicit)\", which \(file?.path ?? "the settings file") does not list (did you mean \(suggestion)?): use one of \(names.joined(separator: ", "))."
                )
            }
            return (explicit, map.branches.values.first { $0.environment == explicit }?.strategy)
        }
        return try map.target(branch: branch).map { ($0.environment, $0.strategy) }
    }

    public func list(_ flags: [String], _ name: String, fileKeys: [String]? = nil) -> [String] {
        if !flags.isEmpty { return flags }
        let spec = Self.spec(name)
        if let text = spec.environmentNames.lazy.compactMap({ environment[$0] }).first {
            return text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map {
                $0.trimmed(newlines: false)
            }.filter { !$0.isEmpty }
        }
        for key in fileKeys ?? spec.fileKeys {
            if let values = file?.values(key, environment: environmentName), !values.isEmpty { return values }
        }
        return []
    }

    /// A list that names gates (`alarm`, `alarm-prefix`): like `list`, but one given and yet
    /// empty (`--alarm ""`, `alarms: []` or a bare `alarms:` in the file) is refused, since it
    /// would remove a gate without a word (a typo is the usual cause).
    public func gateList(_ flags: [String], _ name: String, fileKeys: [String]? = nil) throws -> [String] {
        let values = list(flags, name, fileKeys: fileKeys).filter { !$0.trimmed(newlines: true).isEmpty }
        guard values.isEmpty else { return values }
        let spec = Self.spec(name)
        var given: String?
        if !flags.isEmpty {
            given = "--\(name)"
        } else if let variable = spec.environmentNames.first(where: { environment[$0] != nil }) {
            given = variable == spec.environmentNames[0] ? "the \(name) input" : variable
        } else if let file,
            let key = (fileKeys ?? spec.fileKeys).first(where: {
                file.values($0, environment: environmentName) != nil
            })
        {
            given = file.origin(key, environment: environmentName)
        }
        guard let given else { return [] }
        throw ConfigError(
            "\(given) is given but names no alarm, which would leave the deploy without that gate: name at least one, or leave the setting out."
        )
    }

    /// `--config FILE`, the `config` input, or `.lambda-shift.yml` in the working directory.
    public static func loadFile(flag: String?, environment: Environment) throws -> ConfigFile? {
        if let path = flag ?? environment["INPUT_CONFIG"] ?? environment["LAMBDA_SHIFT_CONFIG"] {
            return try ConfigFile.load(path: path)
        }
        let fallback = FileManager.default.currentDirectoryPath + "/.lambda-shift.yml"
        return FileManager.default.fileExists(atPath: fallback) ? try ConfigFile.load(path: fallback) : nil
    }
}
