import FoundationEssentials
import LambdaShiftCore

/// What `init` found, and what it writes from it: the settings file and the CI file of each CI.
/// The text is the whole contract here: every file passes the project's own checks (the settings
/// loader, actionlint and zizmor for the workflow, GitLab's schema for the job).
package struct InitFacts: Sendable, Equatable {
    package var function: String
    package var region: String?
    package var account: String?
    package var bucket: String?
    /// The alias production moves, and why it is that one.
    package var alias = "live"
    package var aliasNote: String?
    package var alarms: [String] = []
    package var runtime: String?
    package var image = false
    package var architecture = "x86_64"
    package var signed = false
    package var provisioned: [String] = []
    /// lambda-shift's release the CI files download, and the SHA-256 of the binary that ran
    /// init (the release asset for its architecture, when it is a release build).
    package var version: String
    package var binarySha256: String
    /// The repository (OWNER/REPO or a GitLab project path), for the roles' trust.
    package var repository: String?

    package init(function: String, version: String, binarySha256: String) {
        self.function = function
        self.version = version
        self.binarySha256 = binarySha256
    }

    /// The environments the files map, staging first (the order a user ships in).
    static let environments = ["staging", "production"]

    /// The host of the OIDC provider the roles trust (nil: CodeBuild, whose roles are its
    /// projects' service roles).
    func oidcProvider(_ ci: ProjectInit.CI) -> String? {
        switch ci {
        case .github: "token.actions.githubusercontent.com"
        case .gitlab: "gitlab.com"
        case .codebuild: nil
        }
    }

    /// Who may assume an environment's role: that environment's deploy job only (GitHub: its
    /// `environment:`; GitLab: its branch), or CodeBuild for a project's service role.
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    func trustPolicy(_ environment: String, ci: ProjectInit.CI) -> JSONValue {
        let repository = repository ?? "OWNER/REPO"
        var statement: [String: JSONValue]
        if let provider = oidcProvider(ci) {
            let subject =
                ci == .github
                ? "repo:\(repository):environment:\(environment)"
                : "project_path:\(repository):ref_type:branch:ref:\(environment == "production" ? "main" : "develop")"
            let conditions: [String: JSONValue] = [
                "\(provider):aud": "sts.amazonaws.com", "\(provider):sub": .string(subject),
            ]
            statement = [
                "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": .object([
                    "Federated": .string("arn:aws:iam::\(account ?? "ACCOUNT_ID"):oidc-provider/\(provider)")
                ]),
                "Condition": .object(["StringEquals": .object(conditions)]),
            ]
        } else {
            statement = [
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": .object(["Service": "codebuild.amazonaws.com"]),
            ]
        }
        return .object(["Version": "2012-10-17", "Statement": .array([.object(statement)])])
    }

    /// The role each environment's deploy job assumes (created by the user, trusted as the todo
    /// says).
    func role(_ environment: String) -> String {
        let name = function.split(separator: ":").last.map(String.init) ?? function
        return "arn:aws:iam::\(account ?? "ACCOUNT_ID"):role/\(name)-\(environment)-deploy"
    }

    var asset: String { "lambda-shift-linux-\(architecture == "arm64" ? "aarch64" : "x86_64")" }
    var releaseURL: String {
        "https://github.com/lambda-shift/lambda-shift/releases/download/v\(version)/\(asset)"
    }

    /// Where the build leaves the function's files, and a build for the runtime found.
    var build: (comment: String, command: String) {
        let runtime = runtime ?? ""
        // Each dependency step only when its manifest is there: the first push's build must pass.
        if runtime.hasPrefix("python") {
            return (
                "\(runtime): your code from src/ and its dependencies in dist/",
                "mkdir -p dist && cp -r src/. dist/ && if [ -f requirements.txt ]; then pip install --target dist -r requirements.txt; fi"
            )
        }
        if runtime.hasPrefix("nodejs") {
            return (
                "\(runtime): your code from src/ and its production dependencies in dist/",
                "mkdir -p dist && cp -r src/. dist/ && if [ -f package.json ]; then cp package*.json dist/ && npm ci --omit=dev --prefix dist; fi"
            )
        }
        return ("your function's files in dist/", "mkdir -p dist && cp -r src/. dist/")
    }

    // MARK: - The files

    /// `.lambda-shift.yml`: production gradual with the alarms found and a log-based latency
    /// gate, staging at once, branches mapped.
    var settingsFile: String {
        var lines = [
            "# lambda-shift settings, written by `lambda-shift init` from what it read of \(function)"
                + (region.map { " in \($0)" } ?? "") + ".",
            "# Every key is a setting: docs/settings.md, or `lambda-shift deploy --help`.",
            "function: \(function)",
        ]
        if let region { lines.append("region: \(region)") }
        if let bucket {
            lines.append("bucket: \(bucket)   # where packages are uploaded (versioned, with their SHA-256)")
        } else {
            lines.append("# bucket: my-artifacts   # REQUIRED: the S3 bucket packages are uploaded to (none was found)")
        }
        if image {
            lines.append(
                "# image-uri: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG   # an image function: give the image each deploy ships"
            )
        } else {
            lines.append("source: dist   # the directory the build leaves: \(build.comment)")
        }
        if signed {
            lines.append(
                "# signing-profile: PROFILE   # REQUIRED: the function enforces code signing; name the Signer profile")
        }
        lines += [
            "alias: \(alias)" + (aliasNote.map { "   # \($0)" } ?? ""),
            "environments:",
            "  production:",
            "    branches: [main]",
            "    # A canary: 10% for 5 minutes, then all, judged all along; any failure restores the alias.",
            "    # It needs traffic to judge: with no invocations there is no verdict, and it rolls back.",
            "    strategy: canary:10%:5m",
        ]
        if alarms.isEmpty {
            lines.append(
                "    # alarm: [my-errors]   # no alarm names \(function): create one (lambda-shift init says how)")
        } else {
            lines.append(
                "    alarm: [\(alarms.joined(separator: ", "))]   # the alarms whose dimensions name \(function)")
        }
        lines += [
            "    # Latency: the canary fails when its duration is more than 20% above the stable version's,",
            "    # judged over every invocation from the function's logs (the median, at 95% confidence),",
            "    # or by the p99 metric while its log group cannot be read (a function never invoked).",
            "    max-duration-increase: 20",
            "  staging:",
            "    branches: [develop]",
            "    strategy: AllAtOnce",
            "    alias: staging",
        ]
        if !provisioned.isEmpty {
            lines.append(
                "# Provisioned concurrency on \(provisioned.joined(separator: ", ")): a deploy moves it with the alias and waits for it (provisioned-concurrency-timeout)."
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The lines that fetch lambda-shift and check it against the pinned digest.
    func fetch(into path: String) -> [String] {
        [
            "curl -fsSL -o \"\(path)\" \(releaseURL)",
            "echo \"\(binarySha256)  \(path)\" | sha256sum -c",
            "chmod +x \"\(path)\"",
        ]
    }

    var pinNote: String {
        "lambda-shift v\(version) (\(asset)), checked against the SHA-256 of the binary that ran init"
    }

    /// `.github/workflows/deploy.yml`: a build job with no AWS access, one deploy job per
    /// environment with `id-token: write` (that job only), actions pinned by commit, no
    /// credentials left in the checkout.
    var githubWorkflow: String {
        let runner = architecture == "arm64" ? "ubuntu-24.04-arm" : "ubuntu-24.04"
        let checkout = """
                  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1
                    with:
                      persist-credentials: false   # nothing here pushes: no token left in .git/config
            """
        func deployJob(_ environment: String, branch: String) -> String {
            """
              \(environment):
                name: Deploy to \(environment)
                needs: build
                if: github.ref_name == '\(branch)'
                environment: \(environment)   # the \(environment) role trusts this environment's jobs only
                permissions:
                  contents: read    # .lambda-shift.yml
                  id-token: write   # the OIDC token for the role, this job only
                runs-on: \(runner)
                timeout-minutes: 30
                steps:
            \(checkout)
                  - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c  # v8.0.1
                    with:
                      name: package
                      path: dist
                  - name: Get \(pinNote)
                    run: |
            \(fetch(into: "$RUNNER_TEMP/lambda-shift").map { "          " + $0 }.joined(separator: "\n"))
                  - name: Ship
                    id: ship
                    env:
                      LAMBDA_SHIFT_ROLE_TO_ASSUME: \(role(environment))
            \(account.map { "          LAMBDA_SHIFT_ALLOWED_ACCOUNT_IDS: \"\($0)\"\n" } ?? "")\
                    run: '"$RUNNER_TEMP/lambda-shift" deploy'
            """
        }
        return """
            # .github/workflows/deploy.yml, written by `lambda-shift init`: build and test, then ship \(function).
            # main → production (a gated canary), develop → staging (at once), as .lambda-shift.yml maps them.
            # The build job has no AWS access; each deploy job gets an OIDC token and its environment's role
            # (what `lambda-shift iam-policy` prints), and runs \(pinNote).
            name: deploy
            on:
              push:
                branches: [main, develop]
            permissions: {}   # none for the workflow: each job asks for what it needs
            concurrency:
              group: deploy-${{ github.ref_name }}
              cancel-in-progress: false   # never cut a rollout short by starting another
            jobs:
              build:
                name: Build and test
                permissions:
                  contents: read    # to check out; no id-token: nothing here reaches AWS
                runs-on: \(runner)
                timeout-minutes: 15
                steps:
            \(checkout)
                  - name: Build
                    # Replace with your build and tests: \(build.comment).
                    run: \(build.command)
                  - uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f  # v7.0.0
                    with:
                      name: package
                      path: dist/
                      if-no-files-found: error

            \(deployJob("staging", branch: "develop"))

            \(deployJob("production", branch: "main"))

            """
    }

    /// `.gitlab-ci.yml`: the build, then the component (templates/lambda-shift.yml) once per
    /// environment, each job limited to its branch.
    var gitlabJob: String {
        func include(_ environment: String) -> String {
            """
              - component: $CI_SERVER_FQDN/lambda-shift/lambda-shift/lambda-shift@\(version)
                inputs:
                  job-name: deploy-\(environment)
                  lambda-shift-version: v\(version)
                  environment: \(environment)
                  role-to-assume: \(role(environment))
            \(account.map { "      allowed-account-ids: '\($0)'\n" } ?? "")
            """
        }
        func job(_ environment: String, branch: String) -> String {
            """
            deploy-\(environment):   # the component's job, limited to \(branch)
              rules:
                - if: $CI_COMMIT_BRANCH == "\(branch)"
              environment:
                name: \(environment)
              needs: [build]
            """
        }
        return """
            # .gitlab-ci.yml, written by `lambda-shift init`: build, then ship \(function) with the lambda-shift
            # component (id_tokens for the role; the binary checked against its release's .sha256).
            # main → production (a gated canary), develop → staging (at once), as .lambda-shift.yml maps them.
            stages: [build, deploy]

            include:
            \(include("staging"))\(include("production"))
            build:
              stage: build
              image: debian:bookworm
              script:
                # Replace with your build and tests: \(build.comment).
                - \(build.command)
              artifacts:
                paths: [dist/]

            \(job("staging", branch: "develop"))

            \(job("production", branch: "main"))

            """
    }

    /// `buildspec.yml`: one CodeBuild deploy project per environment runs it with its own role
    /// and `LAMBDA_SHIFT_ENVIRONMENT` set on the project.
    var buildspec: String {
        """
        # buildspec.yml, written by `lambda-shift init`: ship \(function) with \(pinNote).
        # One deploy project per environment runs it, with its own service role (what `lambda-shift
        # iam-policy --environment NAME` prints) and LAMBDA_SHIFT_ENVIRONMENT set on the project; the
        # build project that makes the package ($CODEBUILD_SRC_DIR_package) reaches no function.
        version: 0.2
        phases:
          install:
            commands:
        \(fetch(into: "/tmp/lambda-shift").map { "      - " + $0 }.joined(separator: "\n"))
          build:
            commands:
              - /tmp/lambda-shift deploy --source "$CODEBUILD_SRC_DIR_package"

        """
    }
}
