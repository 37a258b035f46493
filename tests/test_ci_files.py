"""The GitHub Action, the workflow examples and the GitLab example against the CI vendors'
own JSON schemas (check-jsonschema's vendored copies), and the action's contract against
PRODUCT.md: every input and output, and every `with:` key used in a workflow, declared. Then what
actionlint cannot see: the action's own shell (shellcheck) and its command input, its actions'
runtimes, that actionlint does check the uses of ./action (scripts/test runs it on every
workflow), that the promotion test under act keeps the promotion example's shape, what the
preview examples must wire (cleanup on close, a stop job for GitLab's review app), that the GitLab
and CodeBuild examples check the binary against its .sha256 before running it, and the release
workflow's jobs and permissions. The GitLab CI/CD component (templates/lambda-shift.yml): its
inputs against the settings table, both its documents against GitLab's schema, and its script
run with a stand-in binary. Each example's roles: tests/test_example_roles.py."""

import hashlib
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The action's setting inputs, as docs/settings.md lists them: that table is generated from the
# settings table and held to it by the Swift tests, so no list is kept by hand here.
SETTINGS_DOC = (ROOT / "docs" / "settings.md").read_text()
INPUTS = set(re.findall(r"^\| `--[a-z0-9-]+` \| `([a-z0-9-]+)` · ", SETTINGS_DOC, re.M))
# The inputs that are not settings: which binary, and which command.
ACTION_OWN_INPUTS = {"command", "lambda-shift-version", "lambda-shift-repository", "verify-attestation"}
# Every workflow scripts/test gives actionlint, examples and act tests included.
WORKFLOWS = [path for folder in (".github/workflows", "examples/github", "action/tests", "tests/act")
             for path in sorted((ROOT / folder).glob("*.yml"))]
EXPECTED_WORKFLOWS = {"examples/github/deploy.yml", "examples/github/promote.yml", "examples/github/preview.yml",
                      "examples/github/image.yml", "tests/act/image-e2e.yml", "examples/github/detached.yml",
                      "tests/act/detached-e2e.yml",
                      "action/tests/workflow.yml", "tests/act/action-e2e.yml", "tests/act/promote-e2e.yml",
                      ".github/workflows/ci.yml", ".github/workflows/release.yml"}
OUTPUTS = {"version", "previous-version", "published-version", "alias", "function", "environment", "sha256", "code-sha256", "s3-key",
           "s3-version-id", "signing-job-id", "signed-s3-key", "signed-s3-version-id", "image-uri", "image-digest",
           "outcome", "skipped", "url", "targets", "step", "weight", "next-check-at",
           # Issue 38: a web function's revisions.
           "revision-id", "previous-revision-id"}


def check_schema(schema, path):
    result = subprocess.run(["check-jsonschema", "--builtin-schema", schema, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_matches_schema_and_contract():
    action = ROOT / "action" / "action.yml"
    check_schema("vendor.github-actions", action)
    spec = yaml.safe_load(action.read_text())
    assert len(INPUTS) > 40, "docs/settings.md's table was not read"
    assert set(spec["inputs"]) == INPUTS | ACTION_OWN_INPUTS, set(spec["inputs"]) ^ (INPUTS | ACTION_OWN_INPUTS)
    assert set(spec["outputs"]) == OUTPUTS
    deploy_env = spec["runs"]["steps"][-1]["env"]
    for name in INPUTS:
        assert deploy_env["LAMBDA_SHIFT_" + name.upper().replace("-", "_")] == "${{ inputs.%s }}" % name


def test_workflows_match_schema_and_use_declared_inputs():
    assert EXPECTED_WORKFLOWS <= {str(path.relative_to(ROOT)) for path in WORKFLOWS}
    declared = set(yaml.safe_load((ROOT / "action" / "action.yml").read_text())["inputs"])
    for workflow in WORKFLOWS:
        check_schema("vendor.github-workflows", workflow)
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job["steps"]:
                if re.fullmatch(r"\./action|lambda-shift/lambda-shift/action@.*", step.get("uses", "")):
                    assert set(step.get("with", {})) <= declared, set(step["with"]) - declared


def test_gitlab_and_codebuild_examples():
    check_schema("vendor.gitlab-ci", ROOT / "examples" / "gitlab" / ".gitlab-ci.yml")
    gitlab = yaml.safe_load((ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text())
    for name in ("deploy_staging", "deploy_production"):
        assert gitlab[name]["artifacts"]["reports"]["dotenv"] == "lambda-shift.env", name
    # The review app: a preview per branch, stopped by a manual stop job in the same environment.
    preview, stop = gitlab["preview"], gitlab["stop_preview"]
    assert preview["environment"]["name"] == stop["environment"]["name"] == "review/$CI_COMMIT_REF_SLUG"
    assert preview["environment"]["on_stop"] == "stop_preview" and stop["environment"]["action"] == "stop"
    assert any("lambda-shift deploy --preview" in line for line in preview["script"]), preview["script"]
    assert preview["artifacts"]["reports"]["dotenv"] == "lambda-shift.env"
    assert [rule.get("when") for rule in stop["rules"]] == ["manual"], stop["rules"]
    assert stop["variables"]["GIT_STRATEGY"] == "none" and stop["dependencies"] == []
    assert any(re.search(r"lambda-shift cleanup .*--branch \"?\$CI_COMMIT_REF_NAME", line) for line in stop["script"])
    buildspec = yaml.safe_load((ROOT / "examples" / "codebuild" / "buildspec.yml").read_text())
    # The package from the build project's artifact (tests/test_example_roles.py: built elsewhere).
    assert buildspec["version"] == 0.2
    assert 'lambda-shift deploy --source "$CODEBUILD_SRC_DIR_package"' in buildspec["phases"]["build"]["commands"]
    package = yaml.safe_load((ROOT / "examples" / "codebuild" / "package-buildspec.yml").read_text())
    assert package["version"] == 0.2 and package["artifacts"]["base-directory"] == "dist"


RELEASE_URL = "https://github.com/lambda-shift/lambda-shift/releases/download/v1.0.0/"


def example_downloads():
    """The lines of the GitLab and CodeBuild examples that get the binary, from the first
    download on, with the paths each example writes to (GitLab: the job's directory; CodeBuild:
    /tmp and /usr/local/bin)."""
    gitlab = yaml.safe_load((ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text())[".lambda-shift"]["before_script"]
    codebuild = yaml.safe_load((ROOT / "examples" / "codebuild" / "buildspec.yml").read_text())["phases"]["install"]["commands"]
    for name, lines, installed in (("gitlab", gitlab, "lambda-shift"), ("codebuild", codebuild, "/usr/local/bin/lambda-shift")):
        first = next(i for i, line in enumerate(lines) if RELEASE_URL in line)
        yield name, lines[first:], installed


@pytest.mark.parametrize("published", ["right", "wrong"])
def test_the_gitlab_and_codebuild_examples_check_the_binary_before_running_it(tmp_path, published):
    """The examples' download lines, run as written with the release host replaced by a local
    folder (curl file://) and CodeBuild's /tmp and /usr/local/bin by folders of the test: with
    the right .sha256 the binary ends up executable where the example runs it; with a wrong one
    the job stops at `sha256sum -c`, before anything is made executable, and nothing ran."""
    for name, lines, installed in example_downloads():
        work = tmp_path / name
        release, job, scratch, bin_dir = (work / d for d in ("release", "job", "tmp", "bin"))
        for folder in (release, job, scratch, bin_dir):
            folder.mkdir(parents=True)
        marker = work / "ran"
        binary = f'#!/bin/sh\ntouch "{marker}"\necho "lambda-shift 1.0.0"\n'.encode()
        (release / "lambda-shift-linux-x86_64").write_bytes(binary)
        digest = hashlib.sha256(binary if published == "right" else b"other bytes").hexdigest()
        (release / "lambda-shift-linux-x86_64.sha256").write_text(f"{digest}  lambda-shift-linux-x86_64\n")
        script = "\n".join(lines).replace("/tmp/", f"{scratch}/").replace("/tmp ", f"{scratch} ")
        script = script.replace("/usr/local/bin/", f"{bin_dir}/").replace(RELEASE_URL, f"file://{release}/")
        assert "sha256sum -c lambda-shift-linux-x86_64.sha256" in script, (name, lines)
        result = subprocess.run(["bash", "-e", "-c", script], cwd=job, capture_output=True, text=True)
        target = job / installed if not installed.startswith("/") else bin_dir / "lambda-shift"
        if published == "right":
            assert result.returncode == 0, (name, result.stdout + result.stderr)
            assert os.access(target, os.X_OK), (name, sorted(p.name for p in job.iterdir()))
            assert subprocess.run([str(target), "--version"], capture_output=True, text=True).stdout == "lambda-shift 1.0.0\n"
        else:
            assert result.returncode != 0 and "FAILED" in result.stdout + result.stderr, (name, result)
            assert not target.exists(), name
            executables = [p for p in work.rglob("*") if p.is_file() and os.access(p, os.X_OK)]
            assert executables == [], (name, executables)
            assert not marker.exists(), name


def test_actions_run_on_node_24():
    """Node 20 left GitHub's hosted runners in September 2026: checkout and cache from v5 on."""
    for path in WORKFLOWS + [ROOT / "action" / "action.yml"]:
        for name, major in re.findall(r"uses:\s*actions/(checkout|cache)@[0-9a-f]{40}\s+#\s*v(\d+)", path.read_text()):
            assert int(major) >= 5, f"{path.relative_to(ROOT)}: actions/{name}@v{major} runs on Node 20"


def test_action_shell_passes_shellcheck():
    """actionlint checks run: blocks of workflows, not those of a composite action: these are
    checked here, with each ${{ }} expression replaced by a word as the runner would."""
    action = yaml.safe_load((ROOT / "action" / "action.yml").read_text())
    scripts = [ROOT / "action" / "get-lambda-shift.sh"]
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash", step
            scripts.append("#!/usr/bin/env bash\n" + re.sub(r"\$\{\{[^}]*\}\}", "EXPRESSION", step["run"]) + "\n")
    for script in scripts:
        if isinstance(script, pathlib.Path):
            result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
        else:
            result = subprocess.run(["shellcheck", "-"], input=script, capture_output=True, text=True)
        assert result.returncode == 0, f"{script}\n{result.stdout}{result.stderr}"


def test_actionlint_checks_the_uses_of_the_action(tmp_path):
    """actionlint resolves ./action only inside a project (a git work tree with
    .github/workflows): without that it checks nothing of it, silently. A probe with an
    undeclared input and an undeclared output must be refused; and the repository must keep a
    .github/workflows of its own for scripts/test's run to get the same checks."""
    assert list((ROOT / ".github" / "workflows").glob("*.yml")), "no .github/workflows: actionlint would not resolve ./action"
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copytree(ROOT / "action", tmp_path / "action")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    probe = tmp_path / ".github" / "workflows" / "probe.yml"
    probe.write_text("""name: probe
on: push
jobs:
  ship:
    runs-on: ubuntu-latest
    steps:
      - id: ship
        uses: ./action
        with:
          function: f
          no-such-input: x
      - run: echo "${{ steps.ship.outputs.no-such-output }}"
""")
    result = subprocess.run(["actionlint", "-oneline", str(probe)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'input "no-such-input" is not defined in action "lambda-shift"' in result.stdout, result.stdout
    assert 'property "no-such-output" is not defined' in result.stdout, result.stdout


def test_the_action_runs_only_deploy_advance_or_cleanup(tmp_path):
    """The command input picks the subcommand; anything else is refused with an ::error before
    the binary runs. The step's script is run here with a stand-in binary that prints its args."""
    action = yaml.safe_load((ROOT / "action" / "action.yml").read_text())
    assert action["inputs"]["command"]["default"] == "deploy"
    step = action["runs"]["steps"][-1]
    assert step["env"]["LAMBDA_SHIFT_COMMAND"] == "${{ inputs.command }}" and "inputs.command" not in step["run"]
    # The binary is where the get step says (its path output), never a fixed place.
    assert step["env"]["BINARY"] == "${{ steps.get.outputs.path }}" and ".cache" not in step["run"]
    assert any(s.get("id") == "get" for s in action["runs"]["steps"])
    binary = tmp_path / "release-v1.2.3-x86_64" / "lambda-shift"
    binary.parent.mkdir(parents=True)
    binary.write_text('#!/bin/sh\necho "ran: $*"\n')
    binary.chmod(0o755)

    def run(command):
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LAMBDA_SHIFT_COMMAND": command, "BINARY": str(binary)}
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], env=env,
                              capture_output=True, text=True)

    for command, expected in (("deploy", "ran: deploy"), ("", "ran: deploy"), ("advance", "ran: advance"),
                              ("cleanup", "ran: cleanup")):
        result = run(command)
        assert (result.returncode, result.stdout.strip()) == (0, expected), (command, result)
    for command in ("rollback", "deploy --dry-run", "advance --detach", "cleanup; id", "x\n::error::injected"):
        result = run(command)
        assert result.returncode == 2 and "ran:" not in result.stdout, (command, result)
        lines = result.stdout.splitlines()
        assert len(lines) == 1 and lines[0].startswith("::error title=lambda-shift::"), (command, result.stdout)
        assert "use deploy (the default), advance or cleanup" in lines[0]


def jobs(path):
    return yaml.safe_load((ROOT / path).read_text())["jobs"]


def action_step(job):
    steps = [step for step in job["steps"] if re.fullmatch(r"\./action|lambda-shift/lambda-shift/action@.*", step.get("uses", ""))]
    assert len(steps) == 1, job
    return steps[0]


def test_the_promotion_under_act_keeps_the_examples_shape():
    """tests/act/promote-e2e.yml is what the act run proves: it must stay the example's flow. What
    is GitHub's only stays out of it: the example's build job (no token; it hands the package to
    staging as an artifact, which act has no stand-in for: its staging job builds in place) and
    the staging environment (the staging role's trust; act has no OIDC)."""
    example, under_act = jobs("examples/github/promote.yml"), jobs("tests/act/promote-e2e.yml")
    assert list(example) == ["build", "staging", "production"] and list(under_act) == ["staging", "production"]
    assert example["staging"]["needs"] == "build" and "needs" not in under_act["staging"]
    assert example["staging"]["environment"] == "staging" and under_act["staging"].get("environment") in (None, "staging")
    assert "id-token" not in example["build"]["permissions"]
    for name in ("staging", "production"):
        for key in ("if", "outputs"):
            assert example[name].get(key) == under_act[name].get(key), (name, key)
    for key in ("needs", "environment"):
        assert example["production"][key] == under_act["production"][key], key
    assert example["production"]["environment"] == "production" and example["production"]["needs"] == "staging"
    assert example["staging"]["outputs"] == {
        "s3-key": "${{ steps.ship.outputs.s3-key }}", "s3-version-id": "${{ steps.ship.outputs.s3-version-id }}"}
    for name in ("staging", "production"):
        mine, theirs = action_step(example[name])["with"], action_step(under_act[name])["with"]
        for key in ("environment", "function", "bucket", "source", "artifact"):
            assert mine.get(key) == theirs.get(key), (name, key)
    artifact = action_step(example["production"])["with"]["artifact"]
    assert artifact == ("s3://${{ vars.ARTIFACT_BUCKET }}/${{ needs.staging.outputs.s3-key }}"
                        "?versionId=${{ needs.staging.outputs.s3-version-id }}")
    assert "source" not in action_step(example["production"])["with"], "production must not build"


def test_the_preview_example_deploys_on_pull_requests_and_cleans_up_on_close_and_delete():
    workflow = yaml.safe_load((ROOT / "examples" / "github" / "preview.yml").read_text())
    on = workflow[True] if True in workflow else workflow["on"]   # YAML 1.1 reads `on` as true
    assert set(on["pull_request"]["types"]) == {"opened", "synchronize", "reopened", "closed"} and "delete" in on
    assert workflow["permissions"] == {}
    assert list(workflow["jobs"]) == ["build", "preview", "cleanup", "sweep"]
    assert "id-token" not in workflow["jobs"]["build"]["permissions"] and workflow["jobs"]["preview"]["needs"] == "build"
    assert all(workflow["jobs"][name]["permissions"]["id-token"] == "write" for name in ("preview", "cleanup", "sweep"))
    assert workflow["jobs"]["build"]["if"] == workflow["jobs"]["preview"]["if"]
    preview, cleanup, sweep = (action_step(workflow["jobs"][name])["with"] for name in ("preview", "cleanup", "sweep"))
    assert preview["preview"] == "true" and preview["preview-alias"] == "pr-{pr}" and preview["function-url"] == "AWS_IAM"
    assert "command" not in preview
    assert cleanup["command"] == sweep["command"] == "cleanup"
    assert cleanup["alias"] == "pr-${{ github.event.pull_request.number }}" and sweep["older-than"]
    assert cleanup["preview-alias"] == sweep["preview-alias"] == preview["preview-alias"]
    assert cleanup["function"] == sweep["function"] == preview["function"]
    conditions = {name: workflow["jobs"][name]["if"] for name in ("preview", "cleanup", "sweep")}
    assert "github.event.action != 'closed'" in conditions["preview"] and "github.event.action == 'closed'" in conditions["cleanup"]
    assert "github.event_name == 'delete'" in conditions["sweep"]


def test_the_release_workflow_builds_attests_and_attaches_with_least_permissions():
    """A tag v* builds both binaries natively with scripts/release (whose names come from uname -m:
    x86_64 and aarch64 on these runners), attests them, then attaches each with its .sha256; each
    job holds only its own permissions."""
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "gh attestation verify lambda-shift-linux-x86_64 --repo OWNER/REPO" in text
    workflow = yaml.safe_load(text)
    on = workflow[True] if True in workflow else workflow["on"]
    assert on == {"push": {"tags": ["v*"]}} and workflow["permissions"] == {}
    build, attest, release = (workflow["jobs"][name] for name in ("build", "attest", "release"))
    assert set(workflow["jobs"]) == {"build", "attest", "release"}
    assert {(row["runner"], row["asset"]) for row in build["strategy"]["matrix"]["include"]} == {
        ("ubuntu-24.04", "lambda-shift-linux-x86_64"), ("ubuntu-24.04-arm", "lambda-shift-linux-aarch64")}
    assert build["runs-on"] == "${{ matrix.runner }}"
    assert 'asset="lambda-shift-linux-$(uname -m)"' in (ROOT / "scripts" / "release").read_text()
    assert any("bash scripts/release out" in step.get("run", "") for step in build["steps"])
    upload, manual = (step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].splitlines() == [
        "out/${{ matrix.asset }}", "out/${{ matrix.asset }}.sha256", "out/${{ matrix.asset }}.spdx.json"]
    # Issue 39: the man page and completions (scripts/lib/manual), once, downloaded by the pattern,
    # checked against their .sha256, covered by each binary's SBOM, attested and attached.
    assert manual["with"]["path"].splitlines() == ["out/lambda-shift-manual.tar.gz", "out/lambda-shift-manual.tar.gz.sha256"]
    assert manual["with"]["name"].startswith("lambda-shift-linux-") and "x86_64" in manual["if"]
    assert "scripts/lib/manual" in (ROOT / "scripts" / "release").read_text()
    assert any("--generated out/lambda-shift-manual.tar.gz" in step.get("run", "") for step in build["steps"])
    assert any('scripts/sbom "out/$ASSET"' in step.get("run", "") for step in build["steps"])
    assert build["permissions"] == {"contents": "read"}
    assert attest["permissions"] == {"id-token": "write", "attestations": "write"} and attest["needs"] == "build"
    attestation = next(step for step in attest["steps"] if step.get("uses", "").startswith("actions/attest-build-provenance@"))
    assert attestation["with"]["subject-path"].splitlines() == [
        "dist/lambda-shift-linux-x86_64", "dist/lambda-shift-linux-aarch64",
        "dist/lambda-shift-linux-x86_64.spdx.json", "dist/lambda-shift-linux-aarch64.spdx.json",
        "dist/lambda-shift-manual.tar.gz"]
    assert release["permissions"] == {"contents": "write"} and release["needs"] == "attest"
    script = "\n".join(step.get("run", "") for step in release["steps"])
    assert "gh release create" in script and "gh release upload" in script and "sha256sum -c" in script
    assert "lambda-shift-manual.tar.gz)" in script and "lambda-shift-manual.tar.gz.sha256)" in script
    for job in (build, attest, release):
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.M)


def test_third_party_actions_are_pinned_by_commit_with_their_version():
    """Every action from elsewhere is named by a full commit SHA with its release in a comment
    (docs/SECURITY.md says where each SHA was read); only ./action and lambda-shift's own action in
    the examples (as a user writes it) are not."""
    seen = 0
    for path in WORKFLOWS + [ROOT / "action" / "action.yml"]:
        for ref, rest in USES.findall(path.read_text()):
            if ref.startswith("./") or ref.startswith("lambda-shift/lambda-shift/"):
                continue
            seen += 1
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"{path.relative_to(ROOT)}: {ref} is not pinned"
            assert re.match(r"\s+#\s*v\d+\.\d+\.\d+", rest), f"{path.relative_to(ROOT)}: {ref} has no version comment"
    assert seen >= 10
    security = (ROOT / "docs" / "SECURITY.md").read_text()
    for sha in set(re.findall(r"@([0-9a-f]{40})", "".join(p.read_text() for p in WORKFLOWS))):
        assert sha in security, f"{sha} is not in docs/SECURITY.md's list of pins"


def test_workflows_are_hardened():
    """No token left behind by a checkout; the OIDC permission only on jobs that deploy; outputs
    reach scripts through env:, never spliced into a run: block."""
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        assert "id-token" not in (workflow.get("permissions") or {}), f"{path.relative_to(ROOT)}: id-token for every job"
        for name, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step.get("with", {}).get("persist-credentials") is False, (path.name, name)
                assert "${{" not in step.get("run", ""), f"{path.relative_to(ROOT)}: {name}: ${{{{ }}}} inside run:"



def test_the_detached_example_deploys_on_push_and_advances_on_a_schedule():
    """examples/github/detached.yml: detach on push, advance on a schedule and on demand, runs
    queued; tests/act/detached-e2e.yml runs the same two commands in order."""
    workflow = yaml.safe_load((ROOT / "examples" / "github" / "detached.yml").read_text())
    on = workflow[True] if True in workflow else workflow["on"]   # YAML 1.1 reads `on` as true
    assert on["schedule"] == [{"cron": "*/5 * * * *"}] and "workflow_dispatch" in on and "push" in on
    assert workflow["concurrency"]["cancel-in-progress"] is False
    deploy, advance = (action_step(workflow["jobs"][name])["with"] for name in ("deploy", "advance"))
    assert deploy["detach"] == "true" and "command" not in deploy
    assert advance["command"] == "advance" and "detach" not in advance
    assert deploy["config"] == advance["config"], "advance must judge with the deploy's settings"
    assert workflow["jobs"]["deploy"]["if"] == "github.event_name == 'push'"
    assert workflow["jobs"]["advance"]["if"] == "github.event_name != 'push'"
    act = yaml.safe_load((ROOT / "tests" / "act" / "detached-e2e.yml").read_text())
    assert list(act["jobs"]) == ["deploy", "advance"] and act["jobs"]["advance"]["needs"] == "deploy"
    detaching = [s for s in act["jobs"]["deploy"]["steps"] if s.get("uses") == "./action" and "detach" in s["with"]]
    assert len(detaching) == 1 and detaching[0]["with"]["detach"] == "true"
    steps = act["jobs"]["deploy"]["steps"] + act["jobs"]["advance"]["steps"]
    advances = [s for s in steps if s.get("uses") == "./action" and s["with"].get("command") == "advance"]
    assert len(advances) == 2, "one at once (waiting), one after the bake (deployed)"


# The GitLab CI/CD component (templates/lambda-shift.yml): a header document (spec: inputs) and
# the job. Its inputs beside the settings: the action's which binary and which command (no
# verify-attestation: no GitHub CLI or token on a GitLab runner), and the job's name, stage and
# image, which an action has no need of.
COMPONENT = ROOT / "templates" / "lambda-shift.yml"
COMPONENT_OWN_INPUTS = {"command", "lambda-shift-version", "lambda-shift-repository", "job-name", "stage", "image"}
COMPONENT_JOB = "$[[ inputs.job-name ]]"
# The kinds of docs/settings.md a component input takes as plain text. A choice (`a or b`, `true or
# false` among them) lists its words as options, a whole number must be digits; a kind the table
# gains must be sorted here, so none becomes a plain string unseen.
PLAIN_KINDS = {"template", "text", "list", "alarm list (not empty)", "12-digit account ids", "JSON or @FILE",
               "duration (30s, 5m, 1h)", "duration or days (14d)", "percent, 0 to 100", "percent, above 0 to 100",
               "percent, above 0 to 10000", "percent, above 0 to 99.99"}


def setting_rows():
    """docs/settings.md's rows with an action input: name -> (kind, default, meaning)."""
    rows = {}
    for line in SETTINGS_DOC.splitlines():
        if re.match(r"^\| `--[a-z0-9-]+` \| `[a-z0-9-]+` · ", line):
            cells = line[2:-2].split(" | ")
            assert len(cells) == 7, line
            rows[cells[1].split("`")[1]] = (cells[3], cells[4], cells[6].replace("\\|", "|"))
    return rows


def component_input(kind, meaning):
    """What a setting's component input must be, from its row: a string defaulting to '' (an
    empty LAMBDA_SHIFT_* variable is unset to the binary: GitLab's boolean and number inputs
    cannot default to '', and a default of false or 1 would outrank the settings file)."""
    expected = {"description": meaning, "type": "string", "default": ""}
    if re.fullmatch(r"[A-Za-z_]+( or [A-Za-z_]+)+", kind):
        expected["options"] = kind.split(" or ") + [""]
    elif kind.startswith("whole number "):
        expected["regex"] = "^[0-9]*$"
    else:
        assert kind in PLAIN_KINDS, f"docs/settings.md has a new kind, {kind!r}: map it in component_input"
    return expected


def variable(name, prefix="LAMBDA_SHIFT_"):
    return prefix + name.upper().replace("-", "_")


def component_documents():
    header, separator, job = COMPONENT.read_text().partition("\n---\n")
    assert separator and "\n---\n" not in job, "the component is a header document, ---, then the job"
    return header + "\n", job


def test_gitlab_component_matches_settings_table(tmp_path):
    header, job_text = component_documents()
    inputs = yaml.safe_load(header)["spec"]["inputs"]
    assert set(inputs) == INPUTS | COMPONENT_OWN_INPUTS, set(inputs) ^ (INPUTS | COMPONENT_OWN_INPUTS)
    rows = setting_rows()
    assert set(rows) == INPUTS
    for name in INPUTS:
        assert inputs[name] == component_input(rows[name][0], rows[name][2]), name
    assert inputs["command"]["options"] == ["deploy", "advance", "cleanup"] and inputs["command"]["default"] == "deploy"
    assert "default" not in inputs["lambda-shift-version"], "the release to run is the user's to name"
    for name in ("lambda-shift-version", "lambda-shift-repository"):
        assert re.fullmatch(inputs[name]["regex"], {"lambda-shift-version": "v1.2.3",
                                                    "lambda-shift-repository": "lambda-shift/lambda-shift"}[name])
    # Both documents against GitLab's schema, each on its own (the schema reads one document).
    for name, text in (("header.yml", header), ("job.yml", job_text)):
        (tmp_path / name).write_text(text)
        check_schema("vendor.gitlab-ci", tmp_path / name)
    jobs = yaml.safe_load(job_text)
    assert list(jobs) == [COMPONENT_JOB]
    job = jobs[COMPONENT_JOB]
    assert (job["stage"], job["image"]) == ("$[[ inputs.stage ]]", "$[[ inputs.image ]]")
    assert job["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}
    assert job["artifacts"]["reports"]["dotenv"] == "lambda-shift.env"
    # Every setting as its LAMBDA_SHIFT_* variable; those that are also outputs once more, for the
    # script to put back over an earlier job's report (docs/DEPLOY.md, outputs are not settings).
    both = {name for name in INPUTS if name in OUTPUTS}
    assert both == {"function", "alias", "environment", "image-uri"}, both
    expected = {variable(name): "$[[ inputs.%s ]]" % name for name in INPUTS}
    expected |= {variable(name, "LAMBDA_SHIFT_COMPONENT_"): "$[[ inputs.%s ]]" % name for name in both}
    expected |= {"LAMBDA_SHIFT_GET_VERSION": "$[[ inputs.lambda-shift-version ]]", "LAMBDA_SHIFT_COMMAND":
                 "$[[ inputs.command ]]", "LAMBDA_SHIFT_GET_REPOSITORY": "$[[ inputs.lambda-shift-repository ]]"}
    assert job["variables"] == expected, set(job["variables"].items()) ^ set(expected.items())
    # Inputs reach the script through those variables only; the binary is checked against its
    # .sha256 before it is made executable, and that before it runs.
    script = job["script"]
    assert not any("$[[" in line for line in script), script
    check = script.index('(cd "$lambda_shift_dir" && sha256sum -c "$asset.sha256")')
    install = script.index('install -m 0755 "$lambda_shift_dir/$asset" "$lambda_shift_dir/lambda-shift"')
    run = next(i for i, line in enumerate(script) if line.startswith('"$lambda_shift_dir/lambda-shift" "$LAMBDA_SHIFT_COMMAND"'))
    downloads = [i for i, line in enumerate(script) if line.startswith("curl ")]
    assert len(downloads) == 2 and max(downloads) < check < install < run, script
    result = subprocess.run(["shellcheck", "-"], input="#!/usr/bin/env bash\n" + "\n".join(script) + "\n",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def run_component(tmp_path, published, given, report=None):
    """The component's script as GitLab would run it: its variables with the inputs interpolated
    (`given` over the defaults), `report` (an earlier job's dotenv, which outranks them) on top, the
    release host replaced by a local folder (curl file://). The stand-in binary records its
    arguments and environment. Returns the result, what the binary saw (None if it did not run)
    and the job's temp folder."""
    header, job_text = component_documents()
    defaults = {name: spec.get("default") for name, spec in yaml.safe_load(header)["spec"]["inputs"].items()}
    values = defaults | given
    job = yaml.safe_load(job_text)[COMPONENT_JOB]
    saw, project, scratch, release = (tmp_path / d for d in ("saw", "project", "tmp", "release"))
    for folder in (saw, project, scratch):
        folder.mkdir(parents=True)
    asset = "lambda-shift-linux-" + os.uname().machine
    folder = release / values["lambda-shift-repository"] / "releases" / "download" / values["lambda-shift-version"]
    folder.mkdir(parents=True)
    binary = f'#!/bin/sh\nprintf "%s\\n" "$*" > "{saw}/args"\nenv -0 > "{saw}/env"\n'.encode()
    (folder / asset).write_bytes(binary)
    digest = hashlib.sha256(binary if published == "right" else b"other bytes").hexdigest()
    (folder / f"{asset}.sha256").write_text(f"{digest}  {asset}\n")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(scratch), "CI_PROJECT_DIR": str(project),
           "AWS_ID_TOKEN": "eyJ.token.for-the-test"}
    for key, value in job["variables"].items():
        env[key] = re.sub(r"\$\[\[ inputs\.([a-z0-9-]+) \]\]", lambda m: values[m.group(1)], value)
    env |= report or {}
    script = "\n".join(job["script"]).replace("https://github.com/", f"file://{release}/")
    result = subprocess.run(["bash", "-e", "-c", script], cwd=project, env=env, capture_output=True, text=True)
    if not (saw / "args").exists():
        return result, None, scratch
    seen = dict(item.split("=", 1) for item in (saw / "env").read_text().split("\0") if item)
    return result, ((saw / "args").read_text(), seen), scratch


@pytest.mark.parametrize("published", ["right", "wrong"])
def test_the_gitlab_component_checks_the_binary_and_passes_its_inputs(tmp_path, published):
    """With the right .sha256 the binary runs the command with every input as its variable (a left
    out one empty) and the token in a file outside the checkout, and the job's folder is gone
    after; with a wrong one the job stops at `sha256sum -c`, with nothing made executable and
    nothing run."""
    given = {"lambda-shift-version": "v1.2.3", "function": "name-searcher-{environment}", "bucket": "artifacts",
             "source": "dist", "detach": "true", "command": "advance"}
    result, seen, scratch = run_component(tmp_path, published, given)
    if published == "wrong":
        assert result.returncode != 0 and "FAILED" in result.stdout + result.stderr, result
        assert seen is None
        assert [p for p in tmp_path.rglob("*") if p.is_file() and os.access(p, os.X_OK)] == []
        return
    assert result.returncode == 0, result.stdout + result.stderr
    args, env = seen
    assert args == "advance\n"
    for name in INPUTS:
        assert env[variable(name)] == given.get(name, ""), name
    token = pathlib.Path(env["AWS_WEB_IDENTITY_TOKEN_FILE"])
    assert token.parent.parent == scratch and not token.exists(), token
    assert list(scratch.iterdir()) == [], "the job's folder (binary and token) is removed"


def test_the_gitlab_component_reads_its_own_inputs_over_an_earlier_report(tmp_path):
    """An earlier lambda-shift job's lambda-shift.env outranks the job's variables, and the binary
    drops every variable its LAMBDA_SHIFT_OUTPUTS names: the script puts this job's inputs back and
    the list away, so production's function is production's, not staging's (nor none)."""
    given = {"lambda-shift-version": "v1.2.3", "function": "api-production", "environment": "production"}
    report = {"LAMBDA_SHIFT_FUNCTION": "api-staging", "LAMBDA_SHIFT_ENVIRONMENT": "staging",
              "LAMBDA_SHIFT_ALIAS": "live", "LAMBDA_SHIFT_VERSION": "7", "LAMBDA_SHIFT_S3_KEY": "a/b/package.zip",
              "LAMBDA_SHIFT_OUTPUTS": "version,function,environment,alias,s3-key"}
    result, seen, _ = run_component(tmp_path, "right", given, report)
    assert result.returncode == 0, result.stdout + result.stderr
    args, env = seen
    assert args == "deploy\n" and "LAMBDA_SHIFT_OUTPUTS" not in env
    assert (env["LAMBDA_SHIFT_FUNCTION"], env["LAMBDA_SHIFT_ENVIRONMENT"], env["LAMBDA_SHIFT_ALIAS"]) == (
        "api-production", "production", "")
    assert env["LAMBDA_SHIFT_S3_KEY"] == "a/b/package.zip", "the report's outputs stay readable"
    result, seen, _ = run_component(tmp_path / "refused", "right", given | {"command": "rollback"})
    assert result.returncode == 2 and seen is None and "use deploy, advance or cleanup" in result.stderr, result
