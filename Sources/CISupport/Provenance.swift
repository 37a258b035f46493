/// Where this build comes from: commit, branch or tag, repository and the CI run, read from
/// the CI's variables (GitHub Actions, GitLab CI, CodeBuild) or from git on a laptop. Nothing
/// needs git history: a depth-1 clone has everything used here.
package struct Provenance: Sendable, Equatable {
    /// Which CI read it (`CIKind.detect`, the same detection the reporters use).
    package var ci: CIKind
    package var commit: String?
    package var branch: String?
    package var tag: String?
    package var repository: String?
    package var runURL: String?

    package init(
        ci: CIKind, commit: String? = nil, branch: String? = nil, tag: String? = nil, repository: String? = nil,
        runURL: String? = nil
    ) {
        self.ci = ci
        self.commit = commit
        self.branch = branch
        self.tag = tag
        self.repository = repository
        self.runURL = runURL
    }

    package var shortSHA: String? { commit.map { String($0.prefix(7)) } }

    /// The tag on HEAD if there is one, else the short commit SHA.
    package var version: String { tag ?? shortSHA ?? "unversioned" }

    /// What git says about the working tree, for a laptop run (gathered by the caller).
    package struct GitFacts: Sendable, Equatable {
        package var commit: String?
        package var branch: String?
        package var tagOnHead: String?
        package var repository: String?
        package init(commit: String? = nil, branch: String? = nil, tagOnHead: String? = nil, repository: String? = nil)
        {
            self.commit = commit
            self.branch = branch
            self.tagOnHead = tagOnHead
            self.repository = repository
        }
    }

    package static func detect(_ variables: [String: String], git: () -> GitFacts = { GitFacts() }) -> Provenance {
        func v(_ name: String) -> String? {
            guard let value = variables[name], !value.isEmpty else { return nil }
            return value
        }
        switch CIKind.detect(variables) {
        case .github:
            let isTag = v("GITHUB_REF_TYPE") == "tag"
            let repository = v("GITHUB_REPOSITORY")
            var run: String?
            if let server = v("GITHUB_SERVER_URL"), let repository, let id = v("GITHUB_RUN_ID") {
                run = "\(server)/\(repository)/actions/runs/\(id)"
            }
            return Provenance(
                ci: .github, commit: v("GITHUB_SHA"),
                branch: isTag ? nil : (v("GITHUB_HEAD_REF") ?? v("GITHUB_REF_NAME")),
                tag: isTag ? v("GITHUB_REF_NAME") : nil, repository: repository, runURL: run)
        case .gitlab:
            return Provenance(
                ci: .gitlab, commit: v("CI_COMMIT_SHA"),
                branch: v("CI_COMMIT_BRANCH") ?? v("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
                    ?? (v("CI_COMMIT_TAG") == nil ? v("CI_COMMIT_REF_NAME") : nil),
                tag: v("CI_COMMIT_TAG"), repository: v("CI_PROJECT_PATH"), runURL: v("CI_JOB_URL"))
        case .codebuild:
            var branch: String?, tag: String?
            if let ref = v("CODEBUILD_WEBHOOK_HEAD_REF") ?? v("CODEBUILD_SOURCE_VERSION") {
                if ref.hasPrefix("refs/heads/") {
                    branch = String(ref.dropFirst(11))
                } else if ref.hasPrefix("refs/tags/") {
                    tag = String(ref.dropFirst(10))
                }
            }
            var repository: String?
            if let url = v("CODEBUILD_SOURCE_REPO_URL") {
                var path = url.split(separator: "/").suffix(2).joined(separator: "/")
                if path.hasSuffix(".git") { path.removeLast(4) }
                repository = path.isEmpty ? nil : path
            }
            let commit = v("CODEBUILD_RESOLVED_SOURCE_VERSION")
            return Provenance(
                ci: .codebuild, commit: commit, branch: branch, tag: tag, repository: repository,
                runURL: v("CODEBUILD_BUILD_URL"))
        case .local:
            let facts = git()
            return Provenance(
                ci: .local, commit: facts.commit, branch: facts.branch, tag: facts.tagOnHead,
                repository: facts.repository)
        }
    }

    /// The template values for a function in an environment.
    package func templateValues(function: String, environment: String?) -> [String: String] {
        [
            "repository": repository ?? "local",
            "function": function,
            "version": version,
            "environment": environment ?? "",
            "branch": branch ?? "",
            "sha": commit ?? "",
            "short_sha": shortSHA ?? "",
        ]
    }
}
