import LambdaShiftCore
import FoundationEssentials

/// `.lambda-shift.yml`: the same settings as the flags (named like them, without dashes),
/// plus `environments:`, whose entries hold `branches:` and any per-environment setting.
///
/// ```yaml
/// function: name-searcher-{environment}
/// bucket: my-artifacts
/// environments:
///   production:
///     branches: [main]
///     strategy: Canary10Percent5Minutes
///     alarms: [name-searcher-errors]
///   staging:
///     branches: [develop]
///     strategy: AllAtOnce
/// ```
package struct ConfigFile: Sendable {
    /// Settings a file may hold, per environment or at the top.
    package static let settingKeys: Set<String> = SettingsTable.fileKeys

    package var path: String
    var top: [String: [String]]
    var environments: [String: [String: [String]]]
    package var branchMap: BranchMap?
    /// `targets:` at the top (key nil) or under an environment: the functions one deploy ships.
    var targetLists: [String?: [Target]] = [:]

    /// One entry of `targets:`: a function, and where it differs from the rest.
    package struct Target: Sendable, Equatable {
        package var function: String
        package var region: String?
        package var alias: String?
        package var bucket: String?
        /// An image function's image in this target's region (each region has its own registry).
        package var imageUri: String?
        /// A web function instead of `function` (then `function` is empty), and its endpoint.
        package var webFunction: String?
        package var endpoint: String?

        package init(
            function: String, region: String? = nil, alias: String? = nil, bucket: String? = nil,
            imageUri: String? = nil, webFunction: String? = nil, endpoint: String? = nil
        ) {
            self.function = function
            self.region = region
            self.alias = alias
            self.bucket = bucket
            self.imageUri = imageUri
            self.webFunction = webFunction
            self.endpoint = endpoint
        }

        static let keys = [Setting.function, .webFunction, .endpoint, .region, .alias, .bucket, .imageUri].map(\.name)
    }

    /// The targets for an environment: its own `targets:`, else the top-level one; nil when the
    /// file names none.
    package func targets(environment: String?) -> [Target]? {
        if let environment, let own = targetLists[environment] { return own }
        return targetLists[nil]
    }

    /// Reads `path`; a missing default file is no file.
    package static func load(path: String) throws -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("Cannot read the config file \(path): check --config.")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Reads a file's text; `path` names the file in every message.
    static func parse(_ text: String, path: String) throws -> ConfigFile {
        let root: Any?
        do {
            root = try YAMLDocument.load(text)
        } catch  where error.duplicateKey {
            throw ConfigError("\(path): \(error.message): keep one and merge what the other held.")
        } catch {
            throw ConfigError("\(path) is not valid YAML (\(error.message)): fix the file.")
        }
        guard let mapping = (root ?? [String: Any]()) as? [String: Any] else {
            throw ConfigError(
                "\(path) must hold a mapping of settings at its top level: see docs/settings.md.")
        }
        var file = ConfigFile(path: path, top: [:], environments: [:], branchMap: nil)
        if let list = mapping["targets"] { file.targetLists[nil] = try targets(list, at: "targets", path: path) }
        var branches: [String: BranchMap.Target] = [:]
        for (key, value) in mapping {
            if key == "targets" { continue }
            if key == "environments" {
                guard let entries = value as? [String: Any] else {
                    throw ConfigError(
                        "\(path): environments must map names to settings, e.g. production: {branches: [main]}.")
                }
                for (name, body) in entries {
                    guard let settings = (body as? [String: Any]) ?? ((body is YAMLDocument.Null) ? [:] : nil) else {
                        throw ConfigError("\(path): environments.\(name) must be a mapping of settings.")
                    }
                    var values: [String: [String]] = [:]
                    for (settingKey, settingValue) in settings {
                        if settingKey == "targets" {
                            file.targetLists[name] = try targets(
                                settingValue, at: "environments.\(name).targets", path: path)
                            continue
                        }
                        if settingKey == "branches" {
                            for branch in try strings(settingValue, key: "environments.\(name).branches", path: path) {
                                if let other = branches[branch], other.environment != name {
                                    throw ConfigError(
                                        "\(path): branch \"\(branch)\" is listed under both environments.\(other.environment) and environments.\(name): list it under one."
                                    )
                                }
                                branches[branch] = BranchMap.Target(environment: name, strategy: "")
                            }
                            continue
                        }
                        try checkKey(
                            settingKey, at: "environments.\(name).", path: path, structural: ["branches", "targets"])
                        try checkShape(settingValue, key: settingKey, at: "environments.\(name).", path: path)
                        values[settingKey] = try strings(
                            settingValue, key: "environments.\(name).\(settingKey)", path: path)
                    }
                    file.environments[name] = values
                }
                continue
            }
            try checkKey(key, at: "", path: path, structural: ["environments", "targets"])
            try checkShape(value, key: key, at: "", path: path)
            file.top[key] = try strings(value, key: key, path: path)
        }
        if !branches.isEmpty {
            var map: [String: BranchMap.Target] = [:]
            for (branch, target) in branches {
                let strategy =
                    file.environments[target.environment]?[Setting.strategy.name]?.first
                    ?? file.top[Setting.strategy.name]?.first
                    ?? BranchMap.standard.defaultStrategy(environment: target.environment)
                map[branch] = BranchMap.Target(environment: target.environment, strategy: strategy)
            }
            file.branchMap = BranchMap(branches: map)
        }
        return file
    }

    /// A setting for an environment: its own value, else the top-level one.
    package func values(_ key: String, environment: String?) -> [String]? {
        if let environment, let values = environments[environment]?[key] { return values }
        return top[key]
    }

    package func value(_ key: String, environment: String?) -> String? {
        values(key, environment: environment)?.first
    }

    /// Settings that take a list; every other takes one value.
    package static let listKeys: Set<String> = Set(SettingsTable.all.filter(\.kind.isList).flatMap(\.fileKeys))

    /// The environments the file names (empty: the file has no `environments:`).
    package var environmentNames: [String] { environments.keys.sorted() }

    /// The file's name for a setting as the user wrote it: `bake` or `environments.production.bake`.
    package func origin(_ key: String, environment: String?) -> String {
        if let environment, environments[environment]?[key] != nil {
            return "environments.\(environment).\(key) in \(path)"
        }
        return "\(key) in \(path)"
    }

    /// `targets:`: a list of mappings, each with `function` and optionally `region`, `alias`,
    /// `bucket` (Lambda reads code from its own region: a bucket per region).
    static func targets(_ value: Any?, at origin: String, path: String) throws -> [Target] {
        guard let list = value as? [Any], !list.isEmpty else {
            throw ConfigError(
                "\(path): \(origin) must be a list of targets, e.g. [{function: api, region: eu-west-1, bucket: artifacts-eu}]."
            )
        }
        return try list.enumerated().map { index, item in
            guard let entry = item as? [String: Any] else {
                throw ConfigError(
                    "\(path): \(origin)[\(index)] must be a mapping with function or web-function (and optionally region, alias or endpoint, bucket)."
                )
            }
            for key in entry.keys where !Target.keys.contains(key) {
                let suggestion = nearest(to: key, among: Target.keys) ?? Setting.function.name
                throw ConfigError(
                    "\(path): unknown key \(origin)[\(index)].\(key) (did you mean \(suggestion)?): a target takes function or web-function, region, alias (endpoint for a web function), bucket and image-uri."
                )
            }
            func text(_ key: String) throws -> String? {
                guard let value = entry[key], !(value is YAMLDocument.Null) else { return nil }
                guard let one = try strings(value, key: "\(origin)[\(index)].\(key)", path: path).first,
                    !(value is [Any])
                else {
                    throw ConfigError("\(path): \(origin)[\(index)].\(key) takes one value.")
                }
                return one
            }
            let function = try text(Setting.function.name) ?? ""
            let web = try text(Setting.webFunction.name)
            let alias = try text(Setting.alias.name), endpoint = try text(Setting.endpoint.name)
            switch (function.isEmpty, web) {
            case (true, nil):
                throw ConfigError(
                    "\(path): \(origin)[\(index)] names no function: add function: NAME (or web-function: NAME).")
            case (false, .some):
                throw ConfigError(
                    "\(path): \(origin)[\(index)] names both a function and a web-function: a target is one of them; list each as its own target."
                )
            case (true, .some) where alias != nil:
                throw ConfigError(
                    "\(path): \(origin)[\(index)] gives a web function an alias: a web function's traffic moves at an endpoint; write endpoint: NAME."
                )
            case (false, nil) where endpoint != nil:
                throw ConfigError(
                    "\(path): \(origin)[\(index)] gives a function an endpoint, which only a web function has: write alias: NAME, or web-function: for a web function."
                )
            default: break
            }
            return Target(
                function: function, region: try text(Setting.region.name), alias: alias,
                bucket: try text(Setting.bucket.name), imageUri: try text(Setting.imageUri.name), webFunction: web,
                endpoint: endpoint)
        }
    }

    static func checkShape(_ value: Any?, key: String, at prefix: String, path: String) throws {
        if value is [Any] && !listKeys.contains(key) {
            throw ConfigError("\(path): \(prefix)\(key) takes one value, not a list: write \(key): VALUE.")
        }
        if value is [String: Any] {
            throw ConfigError(
                "\(path): \(prefix)\(key) takes a value, not a mapping: see docs/settings.md.")
        }
    }

    /// A key at this depth must be a setting or one of `structural` (`environments` at the
    /// top, `branches` in an environment); a near miss of either gets a did-you-mean.
    static func checkKey(_ key: String, at prefix: String, path: String, structural: [String] = []) throws {
        guard !settingKeys.contains(key) else { return }
        let suggestion = nearest(to: key, among: settingKeys.sorted() + structural)
        let hint = suggestion.map { editDistance($0, key) <= 3 ? " (did you mean \($0)?)" : "" } ?? ""
        throw ConfigError("\(path): unknown setting \(prefix)\(key)\(hint): see docs/settings.md.")
    }

    static func strings(_ value: Any?, key: String, path: String) throws -> [String] {
        switch value {
        case let list as [Any]: return try list.flatMap { try strings($0, key: key, path: path) }
        case let text as String: return [text]
        case let number as Int: return [String(number)]
        case let number as Double: return [String(number)]
        case let flag as Bool: return [String(flag)]
        case nil: return []
        case is YAMLDocument.Null: return []
        default: throw ConfigError("\(path): \(key) must be a value or a list of values.")
        }
    }
}
