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

    /// The environment a branch deploys to. A branch entry may be a glob (`release/*`: `*`
    /// matches within one path segment, `**` across segments, `?` one character). A branch
    /// that matches entries of two environments is refused rather than picked at random.
    public func target(branch: String?) throws -> Target? {
        guard let branch else { return nil }
        let matching = branches.filter { Self.matches($0.key, branch) }.sorted { $0.key < $1.key }
        let environments = Set(matching.map(\.value.environment))
        guard environments.count <= 1 else {
            let listed = matching.map { "\($0.value.environment) (\($0.key))" }.joined(separator: ", ")
            throw ConfigError(
                "Branch \"\(branch)\" matches more than one environment: \(listed): make the branches: entries exclusive."
            )
        }
        return matching.first?.value
    }

    /// Glob match of a whole branch name.
    public static func matches(_ pattern: String, _ branch: String) -> Bool {
        func match(_ p: Substring, _ b: Substring) -> Bool {
            guard let first = p.first else { return b.isEmpty }
            if p.hasPrefix("**") {
                let rest = p.dropFirst(2)
                var index = b.startIndex
                while true {
                    if match(rest, b[index...]) { return true }
                    guard index < b.endIndex else { return false }
                    index = b.index(after: index)
                }
            }
            if first == "*" {
                let rest = p.dropFirst()
                var index = b.startIndex
                while true {
                    if match(rest, b[index...]) { return true }
                    guard index < b.endIndex, b[index] != "/" else { return false }
                    index = b.index(after: index)
                }
            }
            guard let next = b.first, first == "?" ? next != "/" : first == next else { return false }
            return match(p.dropFirst(), b.dropFirst())
        }
        return match(Substring(pattern), Substring(branch))
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
                throw ConfigError(
                    "\"\(text)\" uses {\(name)}, which is not a placeholder: use one of \(KeyTemplate.placeholders.sorted().map { "{\($0)}" }.joined(separator: ", "))."
                )
            }
            out += values[name] ?? ""
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
