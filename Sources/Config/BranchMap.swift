/// Which environment a branch deploys to, and how. The default: `main` and `master` →
/// `production` (Canary10Percent5Minutes), `develop` → `staging` (AllAtOnce). A branch that
/// maps to nothing deploys nothing.
package struct BranchMap: Sendable, Equatable {
    package struct Target: Sendable, Equatable {
        package var environment: String
        package var strategy: String
        package init(environment: String, strategy: String) {
            self.environment = environment
            self.strategy = strategy
        }
    }

    package var branches: [String: Target]

    package static let standard = BranchMap(branches: [
        "main": Target(environment: "production", strategy: "Canary10Percent5Minutes"),
        "master": Target(environment: "production", strategy: "Canary10Percent5Minutes"),
        "develop": Target(environment: "staging", strategy: "AllAtOnce"),
    ])

    package init(branches: [String: Target]) { self.branches = branches }

    /// The default strategy of an environment named explicitly (`--environment`).
    package func defaultStrategy(environment: String) -> String {
        branches.values.first { $0.environment == environment }?.strategy ?? "AllAtOnce"
    }

    /// The environment a branch deploys to. A branch entry may be a glob (`release/*`: `*`
    /// matches within one path segment, `**` across segments, `?` one character). A branch
    /// that matches entries of two environments is refused rather than picked at random.
    package func target(branch: String?) throws -> Target? {
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

    /// Glob match of a whole branch name: `**` matches anything, `*` anything but `/`, `?` one
    /// character but `/`. By dynamic programming over (token, position), so the time is the
    /// pattern's length times the branch's; trying every split after every star was exponential.
    package static func matches(_ pattern: String, _ branch: String) -> Bool {
        enum Token { case anything, withinSegment, one, character(Character) }
        var tokens: [Token] = []
        var rest = Substring(pattern)
        while let first = rest.first {
            if rest.hasPrefix("**") {
                tokens.append(.anything)
                rest = rest.dropFirst(2)
            } else {
                tokens.append(first == "*" ? .withinSegment : first == "?" ? .one : .character(first))
                rest = rest.dropFirst()
            }
        }
        let text = Array(branch)
        // after[j]: whether the tokens after the one at hand match text[j...]; from the last token back.
        var after = [Bool](repeating: false, count: text.count + 1)
        after[text.count] = true
        for token in tokens.reversed() {
            var here = [Bool](repeating: false, count: text.count + 1)
            for j in stride(from: text.count, through: 0, by: -1) {
                let next: Character? = j < text.count ? text[j] : nil
                switch token {
                case .anything: here[j] = after[j] || (next != nil && here[j + 1])
                case .withinSegment: here[j] = after[j] || (next != nil && next != "/" && here[j + 1])
                case .one: here[j] = next != nil && next != "/" && after[j + 1]
                case .character(let character): here[j] = next == character && after[j + 1]
                }
            }
            after = here
        }
        return after[0]
    }
}

/// Replaces `{environment}`, `{branch}`, `{sha}`, `{short_sha}`, `{version}`, `{repository}`
/// and `{function}` in a string setting (a function name such as `name-searcher-{environment}`).
package enum SettingTemplate {
    package static func render(_ text: String, _ values: [String: String]) throws -> String {
        var out = ""
        // Unicode scalars, not Characters: a brace followed by a combining mark is still a brace.
        var rest = Substring(text).unicodeScalars
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ConfigError("\"\(text)\" has an unmatched brace: write placeholders as {name}.")
            }
            out.unicodeScalars += rest[..<open]
            let name = String(Substring(rest[rest.index(after: open)..<close]))
            guard KeyTemplate.placeholders.contains(name) else {
                throw ConfigError(
                    "\"\(text)\" uses {\(name)}, which is not a placeholder: use one of \(KeyTemplate.placeholders.sorted().map { "{\($0)}" }.joined(separator: ", "))."
                )
            }
            out += values[name] ?? ""
            rest = rest[rest.index(after: close)...]
        }
        out.unicodeScalars += rest
        return out
    }
}
