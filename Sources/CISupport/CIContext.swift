import LambdaShiftCore
import Synchronization

/// What this run knows of its CI, detected once per run: the provenance (CI variables, else
/// four `git` processes, run only when first asked) and the pull or merge request. The one
/// place outside the reporters that reads CI variable names.
public final class CIContext: Sendable {
    public let environment: Environment
    private let git: @Sendable () -> Provenance.GitFacts
    private let detected = Mutex<Provenance?>(nil)

    public init(
        environment: Environment, git: @escaping @Sendable () -> Provenance.GitFacts = { LocalGit.facts() }
    ) {
        self.environment = environment
        self.git = git
    }

    /// Commit, branch, tag, repository and run, as detected (no setting applied).
    public var provenance: Provenance {
        detected.withLock { cached in
            if let cached { return cached }
            let provenance = Provenance.detect(environment.variables, git: git)
            cached = provenance
            return provenance
        }
    }

    /// The pull request (GitHub: `refs/pull/N/merge`) or merge request (GitLab) of this run.
    public var pullRequest: String? {
        if let ref = environment["GITHUB_REF"], ref.hasPrefix("refs/pull/") {
            return ref.dropFirst("refs/pull/".count).split(separator: "/").first.map(String.init)
        }
        return environment["CI_MERGE_REQUEST_IID"]
    }
}
