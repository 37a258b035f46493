"""What the action trusts, read from its files (issue 40): no cache and no other action in the
deploy job; the binary the run step runs is the get step's private, checked copy; the repository
the binary comes from is an input, and every variable the script reads is set by the action's own
steps; the attestation is bound to the release's tag; the release workflow attests in a protected
environment; docs/ACTION.md says so, and no longer claims what the action does not do.
tests/test_get_lambda_shift.py runs the same steps for real."""

import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action" / "action.yml").read_text())
SCRIPT = (ROOT / "action" / "get-lambda-shift.sh").read_text()
STEPS = {step.get("id"): step for step in ACTION["runs"]["steps"]}
# The one variable the job's environment may set: a timeout, which can only stop a verification.
KNOBS = {"LAMBDA_SHIFT_ATTESTATION_TIMEOUT"}


def test_the_action_restores_no_cache_and_uses_no_other_action():
    text = (ROOT / "action" / "action.yml").read_text()
    assert [step for step in ACTION["runs"]["steps"] if "uses" in step] == []
    assert "actions/cache" not in text and ".cache" not in text
    assert ".cache" not in SCRIPT and "HOME" not in SCRIPT
    assert list(STEPS) == ["resolve", "get", "deploy"]


def test_the_run_step_runs_the_get_steps_checked_copy():
    get, deploy = STEPS["get"], STEPS["deploy"]
    assert get["env"]["LAMBDA_SHIFT_GET_TEMP"] == "${{ runner.temp }}"
    assert deploy["env"]["BINARY"] == "${{ steps.get.outputs.path }}"
    assert deploy["env"]["BINARY_SHA256"] == "${{ steps.get.outputs.sha256 }}"
    # Checked again right before it runs, then run by that path only.
    run = deploy["run"]
    assert run.index('sha256sum < "$BINARY"') < run.index('exec "$BINARY"')
    assert 'mktemp -d "$temp/lambda-shift.XXXXXXXX"' in SCRIPT and 'chmod 700 "$private"' in SCRIPT


def test_the_repository_is_an_input_and_no_variable_the_script_reads_comes_from_the_environment():
    assert ACTION["inputs"]["lambda-shift-repository"]["default"] == ""
    assert STEPS["resolve"]["env"]["LAMBDA_SHIFT_GET_FROM"] == "${{ inputs.lambda-shift-repository }}"
    assert "LAMBDA_SHIFT_REPOSITORY" not in SCRIPT and "LAMBDA_SHIFT_REPOSITORY" not in str(ACTION)
    # Each mode's variables, set (even empty) by the step that runs it: a step's env: wins over
    # GITHUB_ENV, so an earlier step cannot change them.
    read = set(re.findall(r"\$\{(LAMBDA_SHIFT_[A-Z0-9_]+|GITHUB_TOKEN)\b", SCRIPT)) - KNOBS
    resolve = {"LAMBDA_SHIFT_VERSION", "LAMBDA_SHIFT_GET_FROM", "LAMBDA_SHIFT_ACTION_REF",
               "LAMBDA_SHIFT_ACTION_REPOSITORY", "LAMBDA_SHIFT_SERVER_URL", "LAMBDA_SHIFT_API_URL", "GITHUB_TOKEN"}
    install = {"LAMBDA_SHIFT_GET_VERSION", "LAMBDA_SHIFT_GET_URL", "LAMBDA_SHIFT_GET_SHA256", "LAMBDA_SHIFT_GET_REPOSITORY",
               "LAMBDA_SHIFT_GET_TEMP", "LAMBDA_SHIFT_VERIFY_ATTESTATION", "LAMBDA_SHIFT_SERVER_URL", "GITHUB_TOKEN"}
    assert read == resolve | install, read ^ (resolve | install)
    assert resolve <= set(STEPS["resolve"]["env"]) and install <= set(STEPS["get"]["env"])
    assert STEPS["resolve"]["run"].endswith("get-lambda-shift.sh\" resolve")
    assert STEPS["get"]["run"].endswith("get-lambda-shift.sh\" install")


def test_the_attestation_is_bound_to_the_resolved_tag():
    verify = SCRIPT[SCRIPT.index("gh attestation verify"):]
    verify = verify[:verify.index(">&2")]
    assert '--repo "$repository"' in verify and '--cert-identity "$signer"' in verify
    assert '--source-ref "refs/tags/$tag"' in verify and "--deny-self-hosted-runners" in verify
    assert "--signer-workflow" not in verify   # gh matches it as a prefix only
    assert 'signer="$server/$repository/.github/workflows/release.yml@refs/tags/$tag"' in SCRIPT
    assert STEPS["get"]["env"]["LAMBDA_SHIFT_GET_VERSION"] == "${{ steps.resolve.outputs.version }}"


def test_auto_without_gh_is_a_warning():
    without = SCRIPT[SCRIPT.index('if ! command -v gh'):]
    without = without[:without.index("return 0")]
    assert "warning \"The GitHub CLI (gh) is not on this runner" in without and "notice" not in without


def test_the_source_build_runs_without_the_jobs_tokens():
    assert 'env "${unset[@]}" bash scripts/release' in SCRIPT
    names = re.search(r"build_secrets=\(([^)]*)\)", SCRIPT).group(1).split()
    assert {"GITHUB_TOKEN", "GH_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
            "ACTIONS_RUNTIME_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} <= set(names)


def test_the_release_workflow_attests_in_a_protected_environment_with_least_permissions():
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    workflow = yaml.safe_load(text)
    jobs = workflow["jobs"]
    assert workflow["permissions"] == {} and set(jobs) == {"build", "attest", "release"}
    assert jobs["attest"]["environment"] == "release"
    assert jobs["attest"]["permissions"] == {"id-token": "write", "attestations": "write"}
    assert jobs["build"]["permissions"] == {"contents": "read"} and "environment" not in jobs["build"]
    assert jobs["release"]["permissions"] == {"contents": "write"} and jobs["release"]["needs"] == "attest"
    assert jobs["attest"]["needs"] == "build" and jobs["attest"]["runs-on"] == "ubuntu-24.04"   # GitHub-hosted
    # How users verify a download: the same identity the action checks.
    assert "--cert-identity https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/TAG" in text
    assert "--source-ref refs/tags/TAG --deny-self-hosted-runners" in text


def test_action_md_says_what_is_verified_where_and_what_is_trusted():
    doc = (ROOT / "docs" / "ACTION.md").read_text()
    flat = " ".join(doc.split())
    assert "checked again whenever it is reused" not in flat and "actions/cache` v5" not in flat
    assert "about 17.5 MB per job" in flat and "**No cache.**" in doc and "**What the action trusts.**" in doc
    assert "`mktemp -d` in `RUNNER_TEMP`, mode 700" in flat and "`lambda-shift-repository` input" in flat
    assert ("--cert-identity https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/TAG \\ "
            "--source-ref refs/tags/TAG --deny-self-hosted-runners") in flat
    assert "`::warning`" in flat
    for setting in ("A tag ruleset", "Restrict creations", "Restrict updates", "Restrict deletions",
                    "Enable release immutability", "required reviewers", "`release` environment"):
        assert setting in flat, setting
