import LambdaShiftCore
/// The S3 key for a package, from a template such as the default
/// `{repository}/{function}/{version}/package.zip`.
///
/// Placeholders: `{repository}`, `{function}`, `{version}`, `{environment}`, `{branch}`,
/// `{sha}`, `{short_sha}`. Values are made safe for a key predictably: every character
/// outside `A-Z a-z 0-9 . _ -` becomes `-` (so `feature/login` becomes `feature-login`),
/// except the `/` between a repository's owner and name.
package struct KeyTemplate: Sendable, Equatable {
    package static let defaultTemplate = "{repository}/{function}/{version}/package.zip"
    package static let placeholders: Set<String> = [
        "repository", "function", "version", "environment", "branch", "sha", "short_sha",
    ]

    package var text: String

    /// Checks the template's syntax and placeholder names.
    package init(_ text: String = KeyTemplate.defaultTemplate) throws {
        guard !text.isEmpty else {
            throw ConfigError("The --key template is empty: leave it out for the default \(Self.defaultTemplate).")
        }
        // Unicode scalars, not Characters: a brace followed by a combining mark is still a brace.
        var rest = Substring(text).unicodeScalars
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}") else {
                throw ConfigError("The key template \"\(text)\" has an unmatched brace: write placeholders as {name}.")
            }
            let name = String(Substring(rest[rest.index(after: open)..<close]))
            guard Self.placeholders.contains(name) else {
                throw ConfigError(
                    "The key template \"\(text)\" uses {\(name)}, which is not a placeholder: use one of \(Self.placeholders.sorted().map { "{\($0)}" }.joined(separator: ", "))."
                )
            }
            rest = rest[rest.index(after: close)...]
        }
        self.text = text
    }

    /// The key for these values. An empty value leaves no empty segment: leading slashes are
    /// dropped and `//` collapsed.
    package func render(_ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(text).unicodeScalars
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out.unicodeScalars += rest[..<open]
            let name = String(Substring(rest[rest.index(after: open)..<close]))
            let value = values[name] ?? ""
            out +=
                name == "repository"
                ? value.split(separator: "/").map { Self.sanitize(String($0)) }.joined(separator: "/")
                : Self.sanitize(value)
            rest = rest[rest.index(after: close)...]
        }
        out.unicodeScalars += rest
        return out.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// The part of the key every deploy of one function shares (up to the first value that
    /// varies from build to build: version, commit, branch); `anyRepository` puts `*` for the
    /// repository. The policy's S3 prefix, and where artifact cleanup looks.
    package func sharedPrefix(_ values: [String: String], anyRepository: Bool = false) -> String {
        var varying = values
        let marker = "LAMBDASHIFTVARIES"
        for name in ["version", "sha", "short_sha", "branch"] { varying[name] = marker }
        if anyRepository { varying["repository"] = "LAMBDASHIFTANYREPOSITORY" }
        let rendered = render(varying).replacingAll("LAMBDASHIFTANYREPOSITORY", with: "*")
        return rendered.firstRange(of: marker).map { String(rendered[..<$0.lowerBound]) } ?? rendered
    }

    static func sanitize(_ value: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return String(value.map { allowed.contains($0) ? $0 : "-" })
    }
}

/// A setting that cannot work as given (exit 2): one sentence that says what to do.
package struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension ConfigError: LambdaShiftError {
    package var sentence: String { message }
    package var exitCode: Int32 { ExitStatus.usage }
}
