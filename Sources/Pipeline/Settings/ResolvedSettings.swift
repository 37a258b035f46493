import LambdaShiftCore
import CISupport
import Config
import FoundationEssentials
import Rollout

/// The flags a command was given, by setting name; a repeatable flag holds every value.
package struct SettingFlags: Sendable {
    package var values: [String: [String]]

    package init(_ values: [String: [String]] = [:]) { self.values = values }

    /// A command's flags by their typed setting: an option's value, a repeated option's
    /// values, a switch that is on; a flag not given is left out. Several groups' flags are
    /// one call: `SettingFlags([.bake: bake], with: target.flags, aws.flags)`.
    package init(_ given: KeyValuePairs<Setting, any SettingFlagValue>, with groups: SettingFlags...) {
        values = [:]
        for group in groups { values.merge(group.values) { $1 } }
        for (setting, value) in given where !value.flagTexts.isEmpty { values[setting.name] = value.flagTexts }
    }

    /// One value (the last given); setting nil removes it.
    package subscript(setting: Setting) -> String? {
        get { values[setting.name]?.last }
        set { values[setting.name] = newValue.map { [$0] } }
    }

    /// The same, by name (tests, and flags read by name).
    package subscript(name: String) -> String? {
        get { values[name]?.last }
        set { values[name] = newValue.map { [$0] } }
    }
}

/// Every setting a command reads, resolved once per run from `SettingsTable`, in PRODUCT.md's
/// order: the flag, the action input (`INPUT_<NAME>`), `LAMBDA_SHIFT_<NAME>`, the settings
/// file's entry for the environment, the file's top level, then the default. The environment is
/// known before any other setting is read, so every value sees its per-environment entry. Each
/// value is parsed once, by its kind, and every error names where it came from.
package struct ResolvedSettings: Sendable {
    /// A parsed value.
    package enum Value: Sendable, Equatable {
        case text(String), list([String]), seconds(Int), basisPoints(Int), percent(Double), count(Int), flag(Bool)
        case json(Data)
    }

    /// One setting as resolved: its text, where it came from, and its value.
    package struct Entry: Sendable {
        package var text: String
        package var origin: String
        package var value: Value
    }

    package let command: SettingCommand
    /// The flags as given (several `--function`s are several targets).
    package let flags: SettingFlags
    package let file: ConfigFile?
    /// The environment of this run: `--environment`, else the branch map's (a preview's: preview).
    package let environmentName: String?
    /// The CI context this run detected once.
    package let ci: CIContext
    /// Commit, branch, tag, repository and run; the branch as `--branch` gives it.
    package var provenance: Provenance
    private var entries: [String: Entry] = [:]

    /// Resolves `command`'s settings. `environment`, when given, is the environment to resolve
    /// for (iam-policy covers each environment of the map in turn).
    package static func resolve(
        _ command: SettingCommand, flags: SettingFlags, ci: CIContext, environment: String? = nil
    ) throws -> ResolvedSettings {
        let variables = ci.environment
        let early = Lookup(flags: flags, variables: variables, file: nil, environmentName: nil)
        let file = try loadFile(try early.raw(SettingsTable.spec(.config))?.text, environment: variables)
        let top = Lookup(flags: flags, variables: variables, file: file, environmentName: nil)
        var provenance = ci.provenance
        if let branch = try top.raw(SettingsTable.spec(.branch)) { provenance.branch = branch.text }
        var explicit = try top.raw(SettingsTable.spec(.environment))
        if let environment { explicit = (environment, "the environment covered") }
        let previewing =
            SettingCommand.deploying.contains(command)
            ? try top.raw(SettingsTable.spec(.preview)).map {
                try parse($0.text, origin: $0.origin, kind: .flag) == .flag(true)
            } ?? false : false
        if explicit == nil, let why = ci.changeRequest, [.deploy, .plan].contains(command) {
            // Code from a pull or merge request is never mapped by branch (a back-merge's head
            // branch is main): a preview, or an environment named on purpose.
            guard previewing else {
                throw ConfigError(
                    "This run builds code from a pull or merge request (\(why)), which is never deployed to the environment its branch maps to (a back-merge's branch can be main): pass --preview for a preview alias of its own, or --environment NAME to deploy it there on purpose."
                )
            }
        }
        let fromChangeRequest = explicit == nil && ci.changeRequest != nil
        // A preview role's policy is for pull requests' previews, whatever branch it is printed on.
        let previewPolicy = explicit == nil && previewing && command == .iamPolicy
        let target =
            fromChangeRequest || previewPolicy
            ? nil : try Self.environment(explicit: explicit, branch: provenance.branch, file: file)
        var environmentName = target?.environment
        if environmentName == nil, previewing {
            // A preview goes to the environment mapped for the branch (environments: preview:
            // branches: ["feature/*"]), else to one named preview.
            environmentName = "preview"
        }
        var settings = ResolvedSettings(
            command: command, flags: flags, file: file, environmentName: environmentName, ci: ci, provenance: provenance
        )
        let lookup = Lookup(flags: flags, variables: variables, file: file, environmentName: environmentName)
        for spec in SettingsTable.settings(of: command) {
            var raw = try lookup.raw(spec)
            if raw == nil, spec.name == Setting.strategy.name, let strategy = target?.strategy, !strategy.isEmpty {
                raw = (strategy, "the branch map's strategy for \(environmentName ?? "")")
            }
            if raw == nil, let value = spec.defaultValue { raw = (value, "the default") }
            guard let raw else { continue }
            settings.entries[spec.name] = Entry(
                text: raw.text, origin: raw.origin, value: try parse(raw.text, origin: raw.origin, kind: spec.kind))
        }
        return settings
    }

    /// The same settings with `name` set as a target of the settings file sets it (it wins over
    /// everything else, as a flag does).
    package func overriding(_ setting: Setting, with text: String?, origin: String) throws -> ResolvedSettings {
        guard let text else { return self }
        let spec = SettingsTable.spec(setting).scoped(to: command)
        var copy = self
        copy.entries[setting.name] = Entry(
            text: text, origin: origin, value: try Self.parse(text, origin: origin, kind: spec.kind))
        return copy
    }

    /// The same settings without `setting`: a target of the settings file that is a web function
    /// does not inherit the file's function or alias, nor a function its web function.
    package func removing(_ setting: Setting) -> ResolvedSettings {
        var copy = self
        copy.entries[setting.name] = nil
        return copy
    }

    // MARK: Typed reads (each name is a table entry of that kind; a mismatch is a bug).

    package func entry(_ setting: Setting) -> Entry? { entries[setting.name] }

    /// Where a setting's value came from, as the user wrote it (`--bake`, `the bake input`,
    /// `LAMBDA_SHIFT_BAKE`, `environments.production.bake in .lambda-shift.yml`).
    package func origin(_ setting: Setting) -> String { entry(setting)?.origin ?? "--\(setting.name)" }

    package func text(_ setting: Setting) -> String? { entry(setting)?.text }

    package func list(_ setting: Setting) -> [String] {
        read(setting) { if case .list(let values) = $0 { values } else { nil } } ?? []
    }

    package func seconds(_ setting: Setting) -> Int? {
        read(setting) { if case .seconds(let value) = $0 { value } else { nil } }
    }

    package func basisPoints(_ setting: Setting) -> Int? {
        read(setting) { if case .basisPoints(let value) = $0 { value } else { nil } }
    }

    package func percent(_ setting: Setting) -> Double? {
        read(setting) { if case .percent(let value) = $0 { value } else { nil } }
    }

    package func count(_ setting: Setting) -> Int? {
        read(setting) { if case .count(let value) = $0 { value } else { nil } }
    }

    package func flag(_ setting: Setting) -> Bool {
        read(setting) { if case .flag(let value) = $0 { value } else { nil } } ?? false
    }

    package func json(_ setting: Setting) -> Data? {
        read(setting) { if case .json(let value) = $0 { value } else { nil } }
    }

    /// A setting's value when it is of the kind `pick` takes.
    private func read<T>(_ setting: Setting, _ pick: (Value) -> T?) -> T? { entry(setting).flatMap { pick($0.value) } }

    /// Whether the user set it (a default does not count).
    package func isGiven(_ setting: Setting) -> Bool { entry(setting).map { $0.origin != "the default" } ?? false }

    // MARK: Resolution

    /// The raw text of a setting and its origin, in PRODUCT.md's order.
    struct Lookup {
        var flags: SettingFlags
        var variables: Environment
        var file: ConfigFile?
        var environmentName: String?

        func raw(_ spec: SettingSpec) throws -> (text: String, origin: String)? {
            let given = flags.values[spec.name] ?? []
            if spec.kind.isList {
                if !given.isEmpty { return try listed(given, spec, origin: spec.flag) }
                for (index, variable) in spec.environmentNames.enumerated() {
                    if let text = variables[variable] {
                        let values = text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map(String.init)
                        return try listed(values, spec, origin: index == 0 ? "the \(spec.name) input" : variable)
                    }
                }
                for key in spec.fileKeys {
                    if let file, let values = file.values(key, environment: environmentName) {
                        return try listed(values, spec, origin: file.origin(key, environment: environmentName))
                    }
                }
                return nil
            }
            if let flag = given.last, !flag.isEmpty { return (flag, spec.flag) }
            for (index, variable) in spec.environmentNames.enumerated() {
                if let text = variables[variable] { return (text, index == 0 ? "the \(spec.name) input" : variable) }
            }
            for key in spec.fileKeys {
                if let file, let text = file.value(key, environment: environmentName) {
                    return (text, file.origin(key, environment: environmentName))
                }
            }
            return nil
        }

        /// A list's values as one text (newline-separated), trimmed and without empty entries;
        /// a gate list given and yet empty is refused, since it would remove a gate without a word
        /// (a typo is the usual cause).
        func listed(_ values: [String], _ spec: SettingSpec, origin: String) throws -> (text: String, origin: String)? {
            let kept = values.map { $0.trimmed(newlines: false) }.filter { !$0.isEmpty }
            if kept.isEmpty {
                guard spec.kind == .gateList else { return nil }
                throw ConfigError(
                    "\(origin) is given but names no alarm, which would leave the deploy without that gate: name at least one, or leave the setting out."
                )
            }
            return (kept.joined(separator: "\n"), origin)
        }
    }

    /// Parses one value by its kind; every error names its origin.
    static func parse(_ text: String, origin: String, kind: SettingSpec.Kind) throws -> Value {
        let trimmed = text.trimmed(newlines: false)
        switch kind {
        case .text, .template: return .text(text)
        case .list, .gateList: return .list(text.split(separator: "\n").map(String.init))
        case .accountIds:
            let ids = text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map { $0.trimmed(newlines: false) }
                .filter { !$0.isEmpty }
            if let bad = ids.first(where: { $0.count != 12 || !$0.allSatisfy(\.isASCII) || !$0.allSatisfy(\.isNumber) })
            {
                throw ConfigError(
                    "\(origin) holds \"\(bad)\", which is not an AWS account id: give 12-digit ids, separated by commas."
                )
            }
            return .list(ids)
        case .duration: return .seconds(try Strategy.seconds(text, in: origin))
        case .age: return .seconds(try Strategy.days(text, in: origin))
        case .rate: return .basisPoints(try Strategy.rate(text, in: origin))
        case .percent(let limit): return .percent(try percentNumber(text, origin: origin, upTo: limit))
        case .count(let range, let what):
            guard let number = Int(trimmed), range.contains(number) else {
                let bound =
                    range.upperBound == Int.max
                    ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
                throw ConfigError("\(origin) is \"\(text)\": give \(what), a whole number \(bound).")
            }
            return .count(number)
        case .choice(let words):
            guard words.contains(trimmed) else {
                let list = words.count > 1 ? words.dropLast().joined(separator: ", ") + " or " + words.last! : words[0]
                throw ConfigError("\(origin) is \"\(text)\": use \(list).")
            }
            return .text(trimmed)
        case .flag:
            switch trimmed.lowercased() {
            case "true", "1", "yes": return .flag(true)
            case "false", "0", "no", "": return .flag(false)
            default: throw ConfigError("\(origin) is \"\(text)\": use true or false.")
            }
        case .json:
            let data: Data
            if trimmed.hasPrefix("@") {
                guard let contents = FileManager.default.contents(atPath: String(trimmed.dropFirst())) else {
                    throw ConfigError("Cannot read the file \(trimmed.dropFirst()) that \(origin) names.")
                }
                data = contents
            } else {
                data = Data(text.utf8)
            }
            guard JSONValue.parse(data) != nil else {
                throw ConfigError("\(origin) is not JSON: pass a JSON document or @file.json.")
            }
            return .json(data)
        }
    }

    /// A positive percentage (`1`, `0.5`, `20%`) up to `limit`, as a number of percent.
    static func percentNumber(_ text: String, origin: String, upTo limit: Double) throws -> Double {
        var trimmed = text.trimmed(newlines: false)
        if trimmed.hasSuffix("%") { trimmed.removeLast() }
        let digits = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(digits.count), digits.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
            digits.allSatisfy({ $0.allSatisfy(\.isNumber) }), digits.count == 1 || digits[1].count <= 2,
            let value = Double(trimmed), value > 0, value <= limit
        else {
            throw ConfigError(
                "\(origin) is \"\(text)\": give a percentage above 0 and at most \(Decimals.text(limit)), with at most two decimals, such as 1 or 0.5."
            )
        }
        return value
    }

    /// The environment of this run: the explicit one (which the file must list, when it lists
    /// any), else the branch map's for `branch`; nil when the branch maps to none.
    static func environment(explicit: (text: String, origin: String)?, branch: String?, file: ConfigFile?) throws
        -> BranchMap.Target?
    {
        let map = file?.branchMap ?? BranchMap.standard
        if let explicit {
            if let names = file?.environmentNames, !names.isEmpty, !names.contains(explicit.text) {
                let suggestion = nearest(to: explicit.text, among: names) ?? names[0]
                throw ConfigError(
                    "\(explicit.origin) is \"\(explicit.text)\", which \(file?.path ?? "the settings file") does not list (did you mean \(suggestion)?): use one of \(names.joined(separator: ", "))."
                )
            }
            // No list to hold it to: a name that is a known one but for case or a common
            // abbreviation (prod, Production) would silently get another environment's defaults.
            let known = Set(map.branches.values.map(\.environment) + (file?.environmentNames ?? []) + ["preview"])
            if !known.contains(explicit.text), let meant = Self.meant(explicit.text, among: known) {
                throw ConfigError(
                    "\(explicit.origin) is \"\(explicit.text)\", which no settings name (did you mean \(meant)?): environments are named exactly, so pass --environment \(meant)."
                )
            }
            let strategy = map.branches.values.first { $0.environment == explicit.text }?.strategy
            return BranchMap.Target(environment: explicit.text, strategy: strategy ?? "")
        }
        return try map.target(branch: branch)
    }

    /// The known environment `name` differs from only by case or a common abbreviation.
    static func meant(_ name: String, among known: Set<String>) -> String? {
        let abbreviations = [
            "prod": "production", "prd": "production", "stage": "staging", "stg": "staging",
            "dev": "development", "develop": "development",
        ]
        let lowered = name.lowercased()
        if let match = known.sorted().first(where: { $0.lowercased() == lowered }) { return match }
        if let full = abbreviations[lowered], let match = known.sorted().first(where: { $0.lowercased() == full }) {
            return match
        }
        return nil
    }

    /// The settings file's name, and the near names a user may have saved it under.
    static let fileName = ".lambda-shift.yml"
    static let nearNames = [
        ".lambda-shift.yaml", "lambda-shift.yml", "lambda-shift.yaml", ".lambda_shift.yml", ".lambdashift.yml",
        ".lambda-shift.YML",
    ]

    /// `--config FILE`, the `config` input, or `.lambda-shift.yml` in the working directory
    /// (`.lambda-shift.yaml` is read the same). Another near name is refused by name: settings
    /// silently ignored would leave a deploy without the gates they set.
    static func loadFile(
        _ path: String?, environment: Environment,
        in workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> ConfigFile? {
        if let path { return try ConfigFile.load(path: path) }
        let directory = workingDirectory + "/"
        let exists = { (name: String) in FileManager.default.fileExists(atPath: directory + name) }
        let near = nearNames.filter(exists)
        if exists(fileName) {
            if near.contains(".lambda-shift.yaml") {
                throw ConfigError(
                    "Both \(fileName) and .lambda-shift.yaml are here, and only one is read: merge them into \(fileName) and delete the other."
                )
            }
            return try ConfigFile.load(path: directory + fileName)
        }
        if near == [".lambda-shift.yaml"] { return try ConfigFile.load(path: directory + ".lambda-shift.yaml") }
        if let first = near.first(where: { $0 != ".lambda-shift.yaml" }) {
            throw ConfigError(
                "Found \(first), but the settings file is \(fileName): rename it, or pass --config \(first)."
            )
        }
        return nil
    }

    /// The branch as detection and `--branch` give it, quoted for a sentence.
    package var branchDescription: String { provenance.branch.map { "\"\($0)\"" } ?? "(none detected)" }
}

/// A flag's value as setting texts (none: not given).
package protocol SettingFlagValue {
    var flagTexts: [String] { get }
}

extension Optional: SettingFlagValue where Wrapped == String {
    package var flagTexts: [String] { map { [$0] } ?? [] }
}

extension Array: SettingFlagValue where Element == String {
    package var flagTexts: [String] { self }
}

extension Bool: SettingFlagValue {
    package var flagTexts: [String] { self ? ["true"] : [] }
}
