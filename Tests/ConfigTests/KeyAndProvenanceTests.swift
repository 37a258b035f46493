import CISupport
import Config
import Testing

@Suite("S3 key templates and build provenance")
struct KeyAndProvenanceTests {
    @Test("the default key: repository, function, version")
    func defaultKey() throws {
        let provenance = Provenance(ci: .github, commit: "0123456789abcdef", branch: "main", repository: "octo/app")
        #expect(
            try KeyTemplate().render(provenance.templateValues(function: "searcher", environment: "production"))
                == "octo/app/searcher/0123456/package.zip")
        let tagged = Provenance(ci: .github, commit: "0123456789abcdef", tag: "v1.2.3", repository: "octo/app")
        #expect(tagged.version == "v1.2.3")
    }

    @Test("characters that do not belong in a key become hyphens, predictably")
    func sanitized() throws {
        let provenance = Provenance(
            ci: .local, commit: "abc", branch: "feature/login ü*", repository: "team/sub group")
        let key = try KeyTemplate("{repository}/{branch}/{environment}/{short_sha}.zip").render(
            provenance.templateValues(function: "f", environment: "staging"))
        #expect(key == "team/sub-group/feature-login---/staging/abc.zip")
        // An empty placeholder does not leave an empty path segment.
        #expect(
            try KeyTemplate("/{environment}/{function}.zip").render(
                provenance.templateValues(function: "f", environment: nil)) == "f.zip")
    }

    @Test("bad templates are refused with a sentence")
    func badTemplates() {
        #expect { try KeyTemplate("{repo}/x.zip") } throws: {
            ($0 as? ConfigError)?.message.contains("uses {repo}, which is not a placeholder") == true
        }
        #expect { try KeyTemplate("{function/x.zip") } throws: {
            ($0 as? ConfigError)?.message.contains("unmatched brace") == true
        }
        #expect { try KeyTemplate("x}.zip") } throws: { ($0 as? ConfigError) != nil }
        #expect { try KeyTemplate("") } throws: { ($0 as? ConfigError) != nil }
    }

    @Test("provenance from GitHub Actions, GitLab CI, CodeBuild and git")
    func detection() {
        let github = Provenance.detect([
            "GITHUB_ACTIONS": "true", "GITHUB_SHA": "aaa1111", "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch",
            "GITHUB_REPOSITORY": "octo/app", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "99",
        ])
        #expect(
            github
                == Provenance(
                    ci: .github, commit: "aaa1111", branch: "main", repository: "octo/app",
                    runURL: "https://github.com/octo/app/actions/runs/99"))
        let pr = Provenance.detect([
            "GITHUB_ACTIONS": "true", "GITHUB_HEAD_REF": "feature/x", "GITHUB_REF_NAME": "12/merge",
            "GITHUB_REF_TYPE": "branch",
        ])
        #expect(pr.branch == "feature/x")
        let gitlab = Provenance.detect([
            "GITLAB_CI": "true", "CI_COMMIT_SHA": "bbb", "CI_COMMIT_TAG": "v2", "CI_COMMIT_REF_NAME": "v2",
            "CI_PROJECT_PATH": "group/app", "CI_JOB_URL": "https://gitlab.example/job/1",
        ])
        #expect(
            gitlab
                == Provenance(
                    ci: .gitlab, commit: "bbb", branch: nil, tag: "v2", repository: "group/app",
                    runURL: "https://gitlab.example/job/1"))
        let codebuild = Provenance.detect([
            "CODEBUILD_BUILD_ID": "b:1", "CODEBUILD_RESOLVED_SOURCE_VERSION": "ccc",
            "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/develop",
            "CODEBUILD_SOURCE_REPO_URL": "https://github.com/octo/app.git",
            "CODEBUILD_BUILD_URL": "https://console/build",
        ])
        #expect(
            codebuild
                == Provenance(
                    ci: .codebuild, commit: "ccc", branch: "develop", repository: "octo/app",
                    runURL: "https://console/build"))
        let local = Provenance.detect([:]) { Provenance.GitFacts(commit: "ddd", branch: "main", repository: "me/app") }
        #expect(local.ci == .local && local.version == "ddd")
    }
}
