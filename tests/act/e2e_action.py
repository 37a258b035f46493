"""Not collected by `pytest tests` (its name is not test_*.py): it builds a release binary, so
scripts/test runs it by name, last: `python3 -m pytest tests/act/e2e_action.py`.

The GitHub Action end to end: nektos/act runs tests/act/action-e2e.yml on this host (a
self-hosted runner, no container) against the local AWS twin, three times, each with a fresh HOME
as on a new hosted runner:

1. develop: the binary is built from the action's own source (no release is reachable, as on a
   fork), the function deployed to staging; the workflow's next step checks the outputs.
2. develop again: the binary comes back from the cache, the deploy is skipped.
3. main, with the gate alarm already firing: the job fails with lambda-shift's ::error
   annotation and the production alias is as it was.

No log holds the secret key, and the step summary holds the summary. Every remote action the
action uses is replaced (--local-repository) by a tiny stand-in written here. The stand-in cache
keeps entries under .build-act/cache (LAMBDA_SHIFT_E2E_CACHE overrides), keyed like the real one
by a hash of lambda-shift's sources, so only a change of source builds again. The release build is
CPU-heavy: act and everything under it run with nice -n 19."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "tests" / "act" / "action-e2e.yml"
ACCESS_KEY, SECRET_KEY = "AKIDTWINEXAMPLE0001", "twin/Secret+Key/EXAMPLE0001"
REPOSITORY = "octo/name-searcher"

# actions/cache, as much of it as the action needs: restore PATH from STANDIN_CACHE_ROOT/KEY on
# a hit; on a miss, save PATH there after the job (post), if it exists by then.
CACHE_STANDIN = {
    "action.yml": """name: actions/cache stand-in
description: Restores a path from STANDIN_CACHE_ROOT/KEY, or saves it there after the job.
inputs:
  path: {required: true}
  key: {required: true}
outputs:
  cache-hit: {description: true on an exact hit}
runs:
  using: node24
  main: restore.js
  post: save.js
  post-if: success()
""",
    "common.js": """const fs = require("fs"), os = require("os"), path = require("path");
const root = process.env.STANDIN_CACHE_ROOT;
if (!root) throw new Error("STANDIN_CACHE_ROOT is not set");
const key = process.env.INPUT_KEY;
if (!key || key.includes("/")) throw new Error(`bad cache key ${key}`);
const target = process.env.INPUT_PATH.trim().replace(/^~(?=\\/|$)/, process.env.HOME || os.homedir());
module.exports = { fs, path, target, key, entry: path.join(root, key), root };
""",
    "restore.js": """const { fs, target, key, entry } = require("./common.js");
const hit = fs.existsSync(entry);
if (hit) fs.cpSync(entry, target, { recursive: true });
console.log(`cache stand-in: ${hit ? "hit" : "miss"} for key ${key}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `cache-hit=${hit}\\n`);
""",
    "save.js": """const { fs, path, target, key, entry, root } = require("./common.js");
if (fs.existsSync(entry)) { console.log(`cache stand-in: ${key} already saved`); process.exit(0); }
if (!fs.existsSync(target)) { console.log(`cache stand-in: nothing at ${target} to save`); process.exit(0); }
fs.mkdirSync(root, { recursive: true });
const temporary = path.join(root, `.${key}.${process.pid}`);
fs.cpSync(target, temporary, { recursive: true });
fs.renameSync(temporary, entry);
console.log(`cache stand-in: saved ${target} as ${key}`);
""",
}
STANDINS = {"actions/cache": CACHE_STANDIN}


def control(endpoint, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("act-e2e")


@pytest.fixture(scope="module")
def twin(work):
    ready = work / "twin-ready.json"
    log = open(work / "twin.log", "wb")
    process = subprocess.Popen([sys.executable, str(ROOT / "twin" / "twin.py"), "--ready-file", str(ready),
                                "--parent-pid", str(os.getpid())], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline, (work / "twin.log").read_text()
            time.sleep(0.1)
        endpoint = json.loads(ready.read_text())["endpoint"]
        subprocess.run([sys.executable, str(ROOT / "twin" / "seed_demo.py"), endpoint], check=True, cwd=ROOT)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def aws(twin):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
    return {name: session.client(name, endpoint_url=twin) for name in ("lambda", "cloudwatch")}


@pytest.fixture(scope="module")
def local_repositories(work):
    """A stand-in for each remote action the action uses, as act's --local-repository flags."""
    action = yaml.safe_load((ROOT / "action" / "action.yml").read_text())
    flags = []
    for step in action["runs"]["steps"]:
        uses = step.get("uses")
        if not uses or uses.startswith("./"):
            continue
        name, _, ref = uses.partition("@")
        assert name in STANDINS, f"the action uses {uses}, which has no stand-in here: write one"
        directory = work / "standins" / name.replace("/", "-")
        directory.mkdir(parents=True, exist_ok=True)
        for file, text in STANDINS[name].items():
            (directory / file).write_text(text)
        flags += ["--local-repository", f"{name}@{ref}={directory}"]
    return flags


@pytest.fixture(scope="module")
def cache_root():
    root = pathlib.Path(os.environ.get("LAMBDA_SHIFT_E2E_CACHE") or ROOT / ".build-act" / "cache")
    root.mkdir(parents=True, exist_ok=True)
    return root


class Run:
    def __init__(self, returncode, log, seconds):
        self.returncode, self.log, self.seconds = returncode, log, seconds

    def summaries(self):
        """What act read from GITHUB_STEP_SUMMARY after each step (it prints it, then empties it)."""
        return re.findall(r"⚙  Summary - (.*?)(?=^\[action-e2e/deploy\]|\Z)", self.log, re.S | re.M)

    def lines(self, marker):
        return [line for line in self.log.splitlines() if marker in line]


def act(name, branch, expect, work, twin, local_repositories, cache_root):
    home = work / name / "home"
    home.mkdir(parents=True)
    event = work / name / "event.json"
    event.write_text(json.dumps({"ref": f"refs/heads/{branch}", "repository": {"full_name": REPOSITORY}}))
    env = {"HOME": str(home), "GITHUB_REPOSITORY": REPOSITORY, "STANDIN_CACHE_ROOT": str(cache_root),
           "AWS_ENDPOINT_URL": twin, "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    env.update({f"EXPECT_{key}": value for key, value in expect.items()})
    empty = work / "empty"
    empty.touch()
    command = ["nice", "-n", "19", "act", "push", "-W", str(WORKFLOW), "-P", "ubuntu-latest=-self-hosted",
               "-e", str(event), "--action-cache-path", str(work / name / "act"), "--no-cache-server",
               "--env-file", str(empty), "--secret-file", str(empty), "--var-file", str(empty), "--input-file", str(empty),
               *local_repositories]
    for key, value in env.items():
        command += ["--env", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            timeout=1500)
    log = result.stdout.decode(errors="replace")
    (work / f"{name}.log").write_text(log)
    run = Run(result.returncode, log, time.monotonic() - started)
    print(f"act {name} ({branch}): exit {run.returncode} in {run.seconds:.0f}s, log {work / f'{name}.log'}")
    return run


def tail(run):
    return "\n".join(run.log.splitlines()[-60:])


# The production alias and versions as the main run finds them, read just before it.
PRODUCTION_BEFORE = {}


@pytest.fixture(scope="module")
def runs(work, twin, aws, local_repositories, cache_root):
    """The three runs, in order (each depends on the one before); the tests read their logs."""
    common = (work, twin, local_repositories, cache_root)
    results = {}
    results["develop"] = act("develop", "develop", {"STEP": "success", "OUTCOME": "deployed", "ENVIRONMENT": "staging",
                                                    "FUNCTION": "name-searcher-staging", "VERSION": "2",
                                                    "PREVIOUS_VERSION": "1", "SKIPPED": "false"}, *common)
    if not re.search(r"cache stand-in: (hit|saved)", results["develop"].log):
        return results  # no binary came out of the first run: the others would only build again
    results["again"] = act("again", "develop", {"STEP": "success", "OUTCOME": "skipped", "ENVIRONMENT": "staging",
                                                "VERSION": "2", "SKIPPED": "true"}, *common)
    aws["cloudwatch"].set_alarm_state(AlarmName="name-searcher-errors", StateValue="ALARM", StateReason="e2e: already firing")
    # The production alias and versions as the run finds them (the seed leaves the alias on $LATEST, as Terraform does).
    PRODUCTION_BEFORE["alias"] = aws["lambda"].get_alias(FunctionName="name-searcher-production", Name="live")
    PRODUCTION_BEFORE["versions"] = [
        v["Version"] for v in aws["lambda"].list_versions_by_function(FunctionName="name-searcher-production")["Versions"]]
    results["main"] = act("main", "main", {"STEP": "failure", "OUTCOME": "failed", "ENVIRONMENT": "production",
                                           "FUNCTION": "name-searcher-production", "SKIPPED": "false"}, *common)
    # Keep the entry these runs used, drop those of older sources.
    used = set(re.findall(r"cache stand-in: \w+ for key (\S+)", "".join(run.log for run in results.values())))
    for entry in cache_root.iterdir():
        if used and entry.name not in used:
            shutil.rmtree(entry, ignore_errors=True)
    return results


def test_develop_deploys_to_staging_and_the_next_step_reads_the_outputs(runs, aws):
    run = runs["develop"]
    assert run.returncode == 0, tail(run)
    assert "cache stand-in: miss" in run.log or "cache stand-in: hit" in run.log, tail(run)
    checks = run.lines("e2e check:")
    assert {"STEP", "OUTCOME", "ENVIRONMENT", "FUNCTION", "VERSION", "PREVIOUS_VERSION", "SKIPPED"} == {
        line.split("e2e check: ")[1].split()[0] for line in checks}, tail(run)
    alias = aws["lambda"].get_alias(FunctionName="name-searcher-staging", Name="live")
    assert alias["FunctionVersion"] == "2" and not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights"), alias


def ran(runs, name):
    if name not in runs:
        pytest.fail(f"act run {name} not started: the first run cached no binary\n{tail(runs['develop'])}")
    return runs[name]


def test_the_same_code_again_is_skipped_with_the_binary_from_the_cache(runs):
    run = ran(runs, "again")
    assert run.returncode == 0, tail(run)
    assert "cache stand-in: hit" in run.log, tail(run)
    assert "lambda-shift from the cache" in run.log, tail(run)
    assert len(run.lines("e2e check:")) == 5, tail(run)


def test_main_with_the_alarm_firing_fails_with_an_annotation_and_keeps_the_alias(runs, aws):
    run = ran(runs, "main")
    assert run.returncode != 0 and "Job failed" in run.log, tail(run)
    annotations = [line for line in run.lines("::error") if "e2e check" not in line]
    assert any("name-searcher-errors" in line and "ALARM" in line for line in annotations), tail(run)
    assert not run.lines("::error title=e2e check"), tail(run)
    assert len(run.lines("e2e check:")) == 5, tail(run)
    before, versions_before = PRODUCTION_BEFORE["alias"], PRODUCTION_BEFORE["versions"]
    alias = aws["lambda"].get_alias(FunctionName="name-searcher-production", Name="live")
    assert alias["FunctionVersion"] == before["FunctionVersion"] and alias["RevisionId"] == before["RevisionId"], (before, alias)
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights"), alias
    versions = aws["lambda"].list_versions_by_function(FunctionName="name-searcher-production")["Versions"]
    assert [v["Version"] for v in versions] == versions_before, (versions_before, versions)


def test_no_log_holds_the_secret_key(runs):
    for name, run in runs.items():
        leaks = [line for line in run.log.splitlines() if SECRET_KEY in line]
        assert not leaks, f"act run {name}: the secret key is in the log:\n" + "\n".join(leaks[:5])


def test_the_step_summary_holds_the_summary(runs):
    deployed = "\n".join(runs["develop"].summaries())
    assert "name-searcher-staging" in deployed and "deployed" in deployed, tail(runs["develop"])
    failed = "\n".join(ran(runs, "main").summaries())
    assert "name-searcher-production" in failed and "failed" in failed.lower(), tail(runs["main"])
