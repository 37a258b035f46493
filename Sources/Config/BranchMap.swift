/// Which environment a branch deploys to, and how. The default: `main` and `master` →
/// `production` (Canary10Percent5Minutes), `develop` → `staging` (AllAtOnce). A branch that
/// maps to nothing deploys nothing.
public struct BranchMap: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var environment: String
        public var strategy: String
        public init(environment: String, strategy: String) {
            self.environment = environment
            self.strategy = strategy
        }
    }

    public var branches: [String: Target]

    public static let standard = BranchMap(branches: [
        "main": Target(environment: "production", strategy: "Canary10Percent5Minutes"),
        "master": Target(environment: "production", strategy: "Canary10Percent5Minutes"),
        "develop": Target(environment: "staging", strategy: "AllAtOnce"),
    ])

    public init(branches: [String: Target]) { self.branches = branches }

    /// The default strategy of an environment named explicitly (`--environment`).
    public func defaultStrategy(environment: String) -> String {
        branches.values.first { $0.environment == environment }?.strategy ?? "AllAtOnce"
    }

    public func target(branch: String?) -> Target? {
        guard let branch else { return nil }
        return branches[branch]
    }
}

/// Replaces `{environment}`, `{branch}`, `{sha}`, `{short_sha}`, `{version}`, `{repository}`
/// and `{function}` in a string setting (a function name such as `name-searcher-{environment}`).
public enum SettingTemplate {
    public static func render(_ text: String, _ values: [String: String]) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ConfigError("\"\(text)\" has an unmatched brace: write placeholders as {name}.")
            }
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            guard KeyTemplate.placeholders.contains(name) else {
                throw ConfigError("\"\(text)\" uses {\(name)}, which is not a placeholder: use one of \(KeyTemplate.placeholders.sorted().map { "{\($0)}" }.joined(separator: ", ")).")
            }
            out += values[name] ?? ""
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
