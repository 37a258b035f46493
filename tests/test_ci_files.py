"""The GitHub Action, the workflow examples and the GitLab example against the CI vendors'
own JSON schemas (check-jsonschema's vendored copies), and the action's contract against
PRODUCT.md: every input and output, and every `with:` key used in a workflow, declared. Then what
actionlint cannot see: the action's own shell (shellcheck), its actions' runtimes, and that
actionlint does check the uses of ./action (scripts/test runs it on every workflow)."""

import pathlib
import re
import shutil
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
INPUTS = {"function", "alias", "source", "zip", "bucket", "key", "region", "environment", "branch", "strategy", "alarm",
          "max-error-rate", "min-invocations", "smoke-payload", "bake", "config", "allowed-account-ids", "role-to-assume",
          "alarm-prefix", "alarm-already-firing", "exclude", "keep-versions"}
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + [
    ROOT / "examples" / "github" / "deploy.yml", ROOT / "action" / "tests" / "workflow.yml", ROOT / "tests" / "act" / "action-e2e.yml"]
OUTPUTS = {"version", "previous-version", "alias", "function", "environment", "sha256", "code-sha256", "s3-key",
           "s3-version-id", "outcome", "skipped"}


def check_schema(schema, path):
    result = subprocess.run(["check-jsonschema", "--builtin-schema", schema, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_matches_schema_and_contract():
    action = ROOT / "action" / "action.yml"
    check_schema("vendor.github-actions", action)
    spec = yaml.safe_load(action.read_text())
    assert INPUTS <= set(spec["inputs"]), INPUTS - set(spec["inputs"])
    assert set(spec["outputs"]) == OUTPUTS
    deploy_env = spec["runs"]["steps"][-1]["env"]
    for name in INPUTS:
        assert deploy_env["LAMBDA_SHIFT_" + name.upper().replace("-", "_")] == "${{ inputs.%s }}" % name


def test_workflows_match_schema_and_use_declared_inputs():
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
    assert gitlab["deploy"]["artifacts"]["reports"]["dotenv"] == "lambda-shift.env"
    buildspec = yaml.safe_load((ROOT / "examples" / "codebuild" / "buildspec.yml").read_text())
    assert buildspec["version"] == 0.2 and "lambda-shift deploy --source dist" in buildspec["phases"]["build"]["commands"]


def test_actions_run_on_node_24():
    """Node 20 left GitHub's hosted runners in September 2026: checkout and cache from v5 on."""
    for path in WORKFLOWS + [ROOT / "action" / "action.yml"]:
        for name, major in re.findall(r"uses:\s*actions/(checkout|cache)@v(\d+)", path.read_text()):
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
