/// The process environment as a value. Nothing below the command line reads the real
/// environment: it is captured once and passed in, so tests can hand in any environment.
package struct Environment: Sendable {
    package var variables: [String: String]

    package init(_ variables: [String: String] = [:]) {
        self.variables = variables
    }

    /// The value of `name` when it is set and not empty; an empty variable counts as unset,
    /// as the AWS SDKs treat it.
    package subscript(name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// The user's home directory, for `~` in shared-config paths.
    package var home: String? { self["HOME"] }

    /// Expands a leading `~/` using HOME.
    package func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home else { return path }
        return home + path.dropFirst(1)
    }
}
