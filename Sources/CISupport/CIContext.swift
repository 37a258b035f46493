import LambdaShiftCore
import Synchronization

/// What this run knows of its CI, detected once per run: the provenance (CI variables, else
/// four `git` processes, run only when first asked) and the pull or merge request. The one
/// place outside the reporters that reads CI variable names.
package final class CIContext: Sendable {
    package let environment: Environment
    private let git: @Sendable () -> Provenance.GitFacts
    private let detected = Mutex<Provenance?>(nil)

    package init(
        environment: Environment, git: @escaping @Sendable () -> Provenance.GitFacts = { LocalGit.facts() }
    ) {
        self.environment = environment
        self.git = git
    }

    /// Commit, branch, tag, repository and run, as detected (no setting applied).
    package var provenance: Provenance {
        detected.withLock { cached in
            if let cached { return cached }
            let provenance = Provenance.detect(environment.variables, git: git)
            cached = provenance
            return provenance
        }
    }

    /// Why this run builds code from a pull or merge request, nil when it does not: GitHub's
    /// `pull_request` and `pull_request_target` events, a GitLab merge-request pipeline, a
    /// CodeBuild pull-request webhook (`PULL_REQUEST_CREATED`, `_UPDATED`, `_REOPENED`; not
    /// `_MERGED`, which builds the base branch after the merge). Such code is never mapped to
    /// an environment by branch: a back-merge's head branch can be `main`.
    package var changeRequest: String? {
        let v = environment
        if v["GITHUB_ACTIONS"] == "true", let event = v["GITHUB_EVENT_NAME"],
            ["pull_request", "pull_request_target"].contains(event)
        {
            return "a GitHub \(event) event"
        }
        if v["GITLAB_CI"] == "true",
            v["CI_MERGE_REQUEST_IID"]?.isEmpty == false || v["CI_PIPELINE_SOURCE"] == "merge_request_event"
        {
            return "a GitLab merge-request pipeline"
        }
        if v["CODEBUILD_BUILD_ID"] != nil {
            if let event = v["CODEBUILD_WEBHOOK_EVENT"], event.hasPrefix("PULL_REQUEST_"),
                event != "PULL_REQUEST_MERGED"
            {
                return "a CodeBuild \(event) webhook"
            }
            if let source = v["CODEBUILD_SOURCE_VERSION"], source.hasPrefix("pr/") {
                return "a CodeBuild build of pull request \(source.dropFirst(3))"
            }
        }
        return nil
    }

    /// The pull request (GitHub: `refs/pull/N/merge`) or merge request (GitLab) of this run.
    package var pullRequest: String? {
        if let ref = environment["GITHUB_REF"], ref.hasPrefix("refs/pull/") {
            return ref.dropFirst("refs/pull/".count).split(separator: "/").first.map(String.init)
        }
        return environment["CI_MERGE_REQUEST_IID"]
    }
}
