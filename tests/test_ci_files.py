"""The GitHub Action, the workflow examples and the GitLab example against the CI vendors'
own JSON schemas (check-jsonschema's vendored copies), and the action's contract against
PRODUCT.md: every input and output, and every `with:` key used in a workflow, declared. Then what
actionlint cannot see: the action's own shell (shellcheck) and its command input, its actions'
runtimes, that actionlint does check the uses of ./action (scripts/test runs it on every
workflow), that the promotion test under act keeps the promotion example's shape, what the
preview examples must wire (cleanup on close, a stop job for GitLab's review app), that the GitLab
and CodeBuild examples check the binary against its .sha256 before running it, and the release
workflow's jobs and permissions. Each example's roles: tests/test_example_roles.py."""

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
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].splitlines() == [
        "out/${{ matrix.asset }}", "out/${{ matrix.asset }}.sha256", "out/${{ matrix.asset }}.spdx.json"]
    assert any('scripts/sbom "out/$ASSET"' in step.get("run", "") for step in build["steps"])
    assert build["permissions"] == {"contents": "read"}
    assert attest["permissions"] == {"id-token": "write", "attestations": "write"} and attest["needs"] == "build"
    attestation = next(step for step in attest["steps"] if step.get("uses", "").startswith("actions/attest-build-provenance@"))
    assert attestation["with"]["subject-path"].splitlines() == [
        "dist/lambda-shift-linux-x86_64", "dist/lambda-shift-linux-aarch64",
        "dist/lambda-shift-linux-x86_64.spdx.json", "dist/lambda-shift-linux-aarch64.spdx.json"]
    assert release["permissions"] == {"contents": "write"} and release["needs"] == "attest"
    script = "\n".join(step.get("run", "") for step in release["steps"])
    assert "gh release create" in script and "gh release upload" in script and "sha256sum -c" in script
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
