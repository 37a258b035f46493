"""The GitHub Action, the workflow examples and the GitLab example against the CI vendors'
own JSON schemas (check-jsonschema's vendored copies), and the action's contract against
PRODUCT.md: every input and output, and every `with:` key used in a workflow, declared."""

import pathlib
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
INPUTS = {"function", "alias", "source", "zip", "bucket", "key", "region", "environment", "branch", "strategy", "alarm",
          "max-error-rate", "min-invocations", "smoke-payload", "bake", "config", "allowed-account-ids", "role-to-assume",
          "alarm-prefix", "alarm-already-firing", "exclude", "keep-versions"}
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
    for workflow in [ROOT / "examples" / "github" / "deploy.yml", ROOT / "action" / "tests" / "workflow.yml"]:
        check_schema("vendor.github-workflows", workflow)
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job["steps"]:
                if "action" in step.get("uses", ""):
                    assert set(step.get("with", {})) <= declared, set(step["with"]) - declared


def test_gitlab_and_codebuild_examples():
    check_schema("vendor.gitlab-ci", ROOT / "examples" / "gitlab" / ".gitlab-ci.yml")
    gitlab = yaml.safe_load((ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text())
    assert gitlab["deploy"]["artifacts"]["reports"]["dotenv"] == "lambda-shift.env"
    buildspec = yaml.safe_load((ROOT / "examples" / "codebuild" / "buildspec.yml").read_text())
    assert buildspec["version"] == 0.2 and "lambda-shift deploy --source dist" in buildspec["phases"]["build"]["commands"]
