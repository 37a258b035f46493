"""Not collected by `pytest tests` (its name is not test_*.py): it builds a release binary, so
scripts/test runs it by name, last: `python3 -m pytest tests/act/e2e_action.py`.

The GitHub Action end to end: nektos/act runs workflows of tests/act on this host (a
self-hosted runner, no container) against the local AWS twin, one run per row of SCENARIOS, in
order, each with a fresh HOME as on a new hosted runner:

1. develop (action-e2e.yml): the binary is built from the action's own source (no release is
   reachable, as on a fork), the function deployed to staging; the next step checks the outputs.
2. develop again: the binary comes back from the cache, the deploy is skipped.
3. main, with the gate alarm already firing: the job fails with lambda-shift's ::error
   annotation and the production alias is as it was.
4. promote (promote-e2e.yml, examples/github/promote.yml's shape): a staging job deploys and
   uploads; a production job deploys `artifact: s3://BUCKET/<s3-key>?versionId=<s3-version-id>`
   from its outputs. Production then serves staging's CodeSha256, and the twin's request log
   holds no upload after the staging job. The example's approval (`environment: production`
   with required reviewers) is GitHub's, not act's: it is not exercised here.
5. preview (preview-e2e.yml): a preview alias with a function URL, then cleanup removes it.
6. targets (targets-e2e.yml): two functions from the function input's lines deploy as one, in two
   waves; the next step reads the targets output, a row per function.
7. image (image-e2e.yml): an image deployed by its digest.
8. detached (detached-e2e.yml, examples/github/detached.yml's flow): a deploy job with detach
   leaves the alias at 50 % (in-progress); an advance job then waits (the bake has not elapsed)
   and, after it, flips (deployed).

A new scenario is a row of SCENARIOS (a workflow of tests/act, a branch, the outputs its check
step expects, vars, a `before` hook that sets the twin up, an `after` hook that reads the twin as
the run left it, both noting what the scenario's tests read), plus its tests, which read
`runs[name]`: every run is over before the first test runs, so a test reads the twin's state
from notes, never live (later runs change it).

No log holds the secret key, and the step summary holds the summary. Every remote action the
action uses is replaced (--local-repository) by a tiny stand-in written here. The stand-in cache
keeps entries under .build-act/cache (LAMBDA_SHIFT_E2E_CACHE overrides), keyed like the real one
by a hash of lambda-shift's sources, so only a change of source builds again. The release build is
CPU-heavy: act and everything under it run with nice -n 19."""

import dataclasses
import json
import zipfile
import io
import base64
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from typing import Callable, Optional

import boto3
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "tests" / "act"
ACCESS_KEY, SECRET_KEY = "AKIDTWINEXAMPLE0001", "twin/Secret+Key/EXAMPLE0001"
# Every secret a run has: the AWS secret key, the job's GITHUB_TOKEN, an OIDC request token and a
# web-identity token file's content (both there as on a runner that allows id-token: write; the
# keys in the environment come first in the credential chain, so neither is used to sign).
GITHUB_TOKEN = "ghs_e2eTokenEXAMPLE0000000000000000000001"
OIDC_REQUEST_TOKEN = "oidc-request-EXAMPLE-0000000000000001"
WEB_IDENTITY_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlMmUifQ.c2lnbmF0dXJlRVhBTVBMRTAwMDE"
SECRETS = {"AWS secret key": SECRET_KEY, "GITHUB_TOKEN": GITHUB_TOKEN, "OIDC request token": OIDC_REQUEST_TOKEN,
           "web-identity token": WEB_IDENTITY_TOKEN}
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
        subprocess.run([sys.executable, str(ROOT / "scripts" / "lib" / "seed_demo.py"), endpoint], check=True, cwd=ROOT)
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
    def __init__(self, returncode, log, seconds, notes, files=(), command_lines=(), leaks=()):
        self.returncode, self.log, self.seconds, self.notes = returncode, log, seconds, notes
        # For the secrets scan: every file the run wrote (GITHUB_OUTPUT, the step summary, the
        # cache; act deletes its own after a job that passed, so they are read while it runs),
        # every command line seen while it ran, and where a secret was found.
        self.files, self.command_lines, self.leaks = set(files), list(command_lines), set(leaks)

    def summaries(self):
        """What act read from GITHUB_STEP_SUMMARY after each step (it prints it, then empties it)."""
        return re.findall(r"⚙  Summary - (.*?)(?=^\[[\w.-]+/[\w .-]+\] |\Z)", self.log, re.S | re.M)

    def lines(self, marker):
        return [line for line in self.log.splitlines() if marker in line]


@dataclasses.dataclass
class Scenario:
    """One act run: WORKFLOWS/workflow on a push to branch; expect → EXPECT_<OUTPUT> for the
    workflow's check step; variables → vars.*; before(context, notes) runs first, after(context,
    notes) right after it, both noting what the scenario's tests read (runs[name].notes)."""
    name: str
    workflow: str
    branch: str
    expect: dict = dataclasses.field(default_factory=dict)
    variables: dict = dataclasses.field(default_factory=dict)
    before: Optional[Callable[[dict, dict], None]] = None
    after: Optional[Callable[[dict, dict], None]] = None


def act(scenario, notes, work, twin, local_repositories, cache_root):
    name, branch = scenario.name, scenario.branch
    home = work / name / "home"
    home.mkdir(parents=True)
    event = work / name / "event.json"
    event.write_text(json.dumps({"ref": f"refs/heads/{branch}", "repository": {"full_name": REPOSITORY}}))
    token_file = work / name / "web-identity-token"
    token_file.write_text(WEB_IDENTITY_TOKEN)
    env = {"HOME": str(home), "GITHUB_REPOSITORY": REPOSITORY, "STANDIN_CACHE_ROOT": str(cache_root),
           "AWS_ENDPOINT_URL": twin, "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "ACTIONS_ID_TOKEN_REQUEST_URL": twin + "/_twin/no-oidc-here", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": OIDC_REQUEST_TOKEN,
           "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/e2e-unused"}
    env.update({f"EXPECT_{key}": value for key, value in scenario.expect.items()})
    # Secrets reach act through files, never its command line (which the scan below reads).
    env_file, secret_file = work / name / "env", work / name / "secrets"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    secret_file.write_text(f"GITHUB_TOKEN={GITHUB_TOKEN}\n")
    empty = work / "empty"
    empty.touch()
    command = ["nice", "-n", "19", "act", "push", "-W", str(WORKFLOWS / scenario.workflow), "-P", "ubuntu-latest=-self-hosted",
               "-e", str(event), "--action-cache-path", str(work / name / "act"), "--no-cache-server",
               "--env-file", str(env_file), "--secret-file", str(secret_file), "--var-file", str(empty),
               "--input-file", str(empty), *local_repositories]
    for key, value in scenario.variables.items():
        command += ["--var", f"{key}={value}"]
    started = time.monotonic()
    watcher = Watcher(work / name, exclude={env_file, secret_file, token_file})
    with watcher:
        result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, timeout=1500)
    log = result.stdout.decode(errors="replace")
    (work / f"{name}.log").write_text(log)
    run = Run(result.returncode, log, time.monotonic() - started, notes, watcher.files, watcher.seen, watcher.leaks)
    print(f"act {name} ({scenario.workflow}, {branch}): exit {run.returncode} in {run.seconds:.0f}s, log {work / f'{name}.log'}")
    return run


def checked_out(path):
    """Whether `path` is act's checkout of this repository, byte for byte as the repository holds
    it: the repository's own files (the twin's well-known test key among them), not something
    the run wrote. A file the run changed or added is scanned."""
    parts = path.parts
    if "hostexecutor" not in parts:
        return False
    original = ROOT.joinpath(*parts[parts.index("hostexecutor") + 1:])
    return original.is_file() and original.read_bytes() == path.read_bytes()


class Watcher:
    """While a run goes on: samples every process's command line (/proc/*/cmdline) every 20 ms,
    and reads every file under the run's folder (its HOME and act's own files) that is new or
    changed every 100 ms and once at the end, noting each secret found. act's checkout of the
    repository, unchanged, is the repository's own text, not something the run wrote."""

    def __init__(self, folder, exclude):
        self.folder, self.exclude = folder, set(exclude)
        self.seen, self.files, self.leaks = set(), set(), set()
        self._read = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _command_lines(self):
        for entry in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
            try:
                self.seen.add(entry.read_bytes().replace(b"\0", b" ").decode(errors="replace").strip())
            except OSError:
                continue   # the process ended meanwhile

    def _walk(self):
        """Every file under the folder; a directory removed mid-walk is skipped (os.walk's
        onerror), where rglob would raise in the sampling thread."""
        for root, _, names in os.walk(self.folder, onerror=lambda error: None):
            for name in names:
                yield pathlib.Path(root) / name

    def _files(self):
        for path in self._walk():
            try:
                if path in self.exclude or not path.is_file():
                    continue
                stat = path.stat()
                if stat.st_size >= 16 << 20 or self._read.get(path) == (stat.st_mtime_ns, stat.st_size):
                    continue
                self._read[path] = (stat.st_mtime_ns, stat.st_size)
                if checked_out(path):
                    continue
                data = path.read_bytes()
            except OSError:
                continue   # gone meanwhile
            self.files.add(str(path))
            for what, secret in SECRETS.items():
                if secret.encode() in data:
                    self.leaks.add((str(path), what))

    def _sample(self):
        tick = 0
        while not self._stop.is_set():
            self._command_lines()
            if tick % 5 == 0:
                self._files()
            tick += 1
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._files()


def tail(run):
    return "\n".join(run.log.splitlines()[-60:])


def production(aws):
    return (aws["lambda"].get_alias(FunctionName="name-searcher-production", Name="live"),
            [v["Version"] for v in aws["lambda"].list_versions_by_function(FunctionName="name-searcher-production")["Versions"]])


def fire_the_alarm_and_note_production(context, notes):
    """The gate alarm already firing; the production alias and versions as the run finds them
    (the seed leaves the alias on $LATEST, as Terraform does)."""
    aws = context["aws"]
    aws["cloudwatch"].set_alarm_state(AlarmName="name-searcher-errors", StateValue="ALARM", StateReason="e2e: already firing")
    notes["alias"], notes["versions"] = production(aws)


def note_production_after(context, notes):
    notes["alias_after"], notes["versions_after"] = production(context["aws"])


def note_staging_after(context, notes):
    notes["alias_after"] = context["aws"]["lambda"].get_alias(FunctionName="name-searcher-staging", Name="live")


def quiet_the_alarm_and_note_the_log(context, notes):
    """The alarm back to OK (the main run left it firing), and where this run's requests start."""
    context["aws"]["cloudwatch"].set_alarm_state(AlarmName="name-searcher-errors", StateValue="OK", StateReason="e2e: quiet")
    notes["first_request"] = len(control(context["twin"], "/_twin/requests"))


def note_where_the_log_ends(context, notes):
    """Where this run's requests end (later runs add theirs to the same log), and what each
    function's alias serves now (later runs deploy staging again)."""
    notes["last_request"] = len(control(context["twin"], "/_twin/requests"))
    lam = context["aws"]["lambda"]
    notes["served"] = {}
    for function in ("name-searcher-staging", "name-searcher-production"):
        alias = lam.get_alias(FunctionName=function, Name="live")
        notes["served"][function] = (alias, lam.get_function(FunctionName=function, Qualifier=alias["FunctionVersion"]))


def staging_aliases(aws):
    return sorted(a["Name"] for a in aws["lambda"].list_aliases(FunctionName="name-searcher-staging")["Aliases"])


def note_staging_aliases(context, notes):
    notes["aliases"] = staging_aliases(context["aws"])
    notes["live"] = context["aws"]["lambda"].get_alias(FunctionName="name-searcher-staging", Name="live")


def note_staging_aliases_after(context, notes):
    notes["aliases_after"] = staging_aliases(context["aws"])
    notes["live_after"] = context["aws"]["lambda"].get_alias(FunctionName="name-searcher-staging", Name="live")


TARGETS = ("name-searcher-api", "name-searcher-worker")


def both_aliases(aws):
    return {name: aws["lambda"].get_alias(FunctionName=name, Name="live")["FunctionVersion"] for name in TARGETS}


def note_both_aliases(context, notes):
    """Two functions of their own (staging and production stay as the promotion's test reads them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    for name in TARGETS:
        control(context["twin"], "/_twin/seed-function", {
            "name": name, "runtime": "python3.12", "handler": "index.handler",
            "zipBase64": base64.b64encode(buffer.getvalue()).decode(), "alias": "live"})
    notes["before"] = both_aliases(context["aws"])


def note_both_aliases_after(context, notes):
    notes["after"] = both_aliases(context["aws"])


def seed_the_image_function(context, notes):
    """An image function on a first image (the run pushes another under its own tag)."""
    first = control(context["twin"], "/_twin/seed-image", {"repository": "name-searcher", "tag": "first", "content": "first"})
    control(context["twin"], "/_twin/seed-function", {
        "name": "name-searcher-image", "imageUri": first["repositoryUri"] + ":first", "alias": "live"})
    notes["first"] = first["digest"]


def note_the_image_function_after(context, notes):
    lam = context["aws"]["lambda"]
    notes["alias_after"] = lam.get_alias(FunctionName="name-searcher-image", Name="live")
    notes["served_after"] = lam.get_function(FunctionName="name-searcher-image", Qualifier="live")


def note_staging_before_detach(context, notes):
    notes["alias_before"] = context["aws"]["lambda"].get_alias(FunctionName="name-searcher-staging", Name="live")


SCENARIOS = [
    Scenario("develop", "action-e2e.yml", "develop", {
        "STEP": "success", "OUTCOME": "deployed", "ENVIRONMENT": "staging", "FUNCTION": "name-searcher-staging",
        "VERSION": "2", "PREVIOUS_VERSION": "1", "SKIPPED": "false"}, after=note_staging_after),
    Scenario("again", "action-e2e.yml", "develop", {
        "STEP": "success", "OUTCOME": "skipped", "ENVIRONMENT": "staging", "VERSION": "2", "SKIPPED": "true"}),
    Scenario("main", "action-e2e.yml", "main", {
        "STEP": "failure", "OUTCOME": "failed", "ENVIRONMENT": "production", "FUNCTION": "name-searcher-production",
        "SKIPPED": "false"}, before=fire_the_alarm_and_note_production, after=note_production_after),
    Scenario("promote", "promote-e2e.yml", "main", variables={"ARTIFACT_BUCKET": "lambda-shift-artifacts"},
             before=quiet_the_alarm_and_note_the_log, after=note_where_the_log_ends),
    Scenario("preview", "preview-e2e.yml", "feature/e2e-preview", before=note_staging_aliases, after=note_staging_aliases_after),
    Scenario("targets", "targets-e2e.yml", "develop", before=note_both_aliases, after=note_both_aliases_after),
    Scenario("image", "image-e2e.yml", "develop", before=seed_the_image_function, after=note_the_image_function_after),
    Scenario("detached", "detached-e2e.yml", "develop", before=note_staging_before_detach, after=note_staging_after),
]


@pytest.fixture(scope="module")
def runs(work, twin, aws, local_repositories, cache_root):
    """SCENARIOS' runs, in order (each starts from the twin the one before left); the tests read
    their logs and notes."""
    context = {"aws": aws, "twin": twin}
    results = {}
    for scenario in SCENARIOS:
        notes = {}
        if scenario.before:
            scenario.before(context, notes)
        results[scenario.name] = act(scenario, notes, work, twin, local_repositories, cache_root)
        if scenario.after:
            scenario.after(context, notes)
        if len(results) == 1 and not re.search(r"cache stand-in: (hit|saved)", results[scenario.name].log):
            break  # no binary came out of the first run: the others would only build again
    # Keep the entry these runs used, drop those of older sources.
    used = set(re.findall(r"cache stand-in: \w+ for key (\S+)", "".join(run.log for run in results.values())))
    for entry in cache_root.iterdir():
        if used and entry.name not in used:
            shutil.rmtree(entry, ignore_errors=True)
    return results


def test_develop_deploys_to_staging_and_the_next_step_reads_the_outputs(runs):
    run = runs["develop"]
    assert run.returncode == 0, tail(run)
    assert "cache stand-in: miss" in run.log or "cache stand-in: hit" in run.log, tail(run)
    checks = run.lines("e2e check:")
    assert {"STEP", "OUTCOME", "ENVIRONMENT", "FUNCTION", "VERSION", "PREVIOUS_VERSION", "SKIPPED"} == {
        line.split("e2e check: ")[1].split()[0] for line in checks}, tail(run)
    alias = run.notes["alias_after"]
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


def test_main_with_the_alarm_firing_fails_with_an_annotation_and_keeps_the_alias(runs):
    run = ran(runs, "main")
    assert run.returncode != 0 and "Job failed" in run.log, tail(run)
    annotations = [line for line in run.lines("::error") if "e2e check" not in line]
    assert any("name-searcher-errors" in line and "ALARM" in line for line in annotations), tail(run)
    assert not run.lines("::error title=e2e check"), tail(run)
    assert len(run.lines("e2e check:")) == 5, tail(run)
    before, versions_before = run.notes["alias"], run.notes["versions"]
    alias, versions = run.notes["alias_after"], run.notes["versions_after"]
    assert alias["FunctionVersion"] == before["FunctionVersion"] and alias["RevisionId"] == before["RevisionId"], (before, alias)
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights"), alias
    assert versions == versions_before, (versions_before, versions)


def test_no_secret_reaches_a_log_a_written_file_or_a_command_line(runs):
    """Every secret the runs had, in every act log, every file a run wrote (GITHUB_OUTPUT, the
    step summary, the cache, what act keeps), and every command line sampled while it ran."""
    for name, run in runs.items():
        # The sampling saw the processes that hold the secrets: lambda-shift itself among them.
        ran = [line for line in run.command_lines if line.split(" ")[0].endswith("/lambda-shift")]
        assert ran, (name, sorted(run.command_lines)[:20])
        # The files that matter were read: what the job wrote as outputs and as its summary.
        names = {pathlib.Path(path).name for path in run.files}
        assert {"outputcmd.txt", "SUMMARY.md"} <= names, (name, sorted(names)[:40])
        assert not run.leaks, f"act run {name}: secrets in files: {sorted(run.leaks)}"
        for what, secret in SECRETS.items():
            leaks = [line for line in run.log.splitlines() if secret in line]
            assert not leaks, f"act run {name}: the {what} is in the log:\n" + "\n".join(leaks[:5])
            lines = [line[:200] for line in run.command_lines if secret in line]
            assert not lines, f"act run {name}: the {what} is on a command line: {lines}"
    # The scan can fail: the action did see the token (the binary's masks name it, masked).
    assert any("::add-mask::" in run.log or "***" in run.log for run in runs.values())


def test_the_step_summary_holds_the_summary(runs):
    deployed = "\n".join(runs["develop"].summaries())
    assert "name-searcher-staging" in deployed and "deployed" in deployed, tail(runs["develop"])
    failed = "\n".join(ran(runs, "main").summaries())
    assert "name-searcher-production" in failed and "failed" in failed.lower(), tail(runs["main"])


UPLOADS = {"PutObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "CopyObject"}


def test_promote_deploys_the_bytes_staging_uploaded_to_production_without_uploading(runs, aws, twin):
    run = ran(runs, "promote")
    assert run.returncode == 0, tail(run)
    outputs = {}
    for line in run.lines("e2e promote: "):
        job, _, pair = line.split("e2e promote: ", 1)[1].partition(" ")
        key, _, value = pair.partition("=")
        outputs.setdefault(job, {})[key] = value.strip()
    staging, production = outputs.get("staging", {}), outputs.get("production", {})
    assert staging.get("outcome") == "deployed" and staging.get("s3-key") and staging.get("s3-version-id"), (outputs, tail(run))
    assert production.get("outcome") == "deployed" and production.get("environment") == "production", (outputs, tail(run))
    # The artifact the production job deployed is the object version the staging job uploaded.
    for key in ("s3-key", "s3-version-id", "code-sha256"):
        assert production.get(key) == staging[key], (key, outputs)
    # Both jobs took the binary from the cache: nothing was built again.
    assert len(run.lines("lambda-shift from the cache")) == 2, tail(run)

    served = {}
    for function, (alias, got) in run.notes["served"].items():
        assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights"), alias
        served[function] = got
    assert served["name-searcher-production"]["Configuration"]["Version"] == production["version"], served
    sha = {function: got["Configuration"]["CodeSha256"] for function, got in served.items()}
    assert sha["name-searcher-production"] == sha["name-searcher-staging"] == staging["code-sha256"], sha

    marks = [int(line.split("e2e mark: ")[1].split()[0]) for line in run.lines("e2e mark: ")]
    assert len(marks) == 1, tail(run)
    requests = control(twin, "/_twin/requests")
    during_staging = requests[run.notes["first_request"]:marks[0]]
    during_production = requests[marks[0]:run.notes["last_request"]]
    assert {"PutObject"} <= {r["operation"] for r in during_staging}, "the staging job uploaded nothing: no proof here"
    uploads = [f"{r['method']} {r['path']}?{r['query']}" for r in during_production if r["operation"] in UPLOADS]
    assert not uploads, f"the production job uploaded: {uploads}"
    pinned = [r for r in during_production if r["service"] == "s3" and r["operation"] in {"HeadObject", "GetObject"}
              and urllib.parse.unquote(r["path"]).endswith("/" + staging["s3-key"])
              and urllib.parse.parse_qs(r["query"]).get("versionId") == [staging["s3-version-id"]]]
    assert pinned, [f"{r['operation']} {r['path']}?{r['query']}" for r in during_production if r["service"] == "s3"]


def test_preview_deploys_its_own_alias_with_a_url_and_cleanup_removes_it(runs):
    run = ran(runs, "preview")
    assert run.returncode == 0, tail(run)
    assert run.lines("e2e preview: outcome=deployed"), tail(run)
    assert run.lines("e2e preview: alias=preview-feature-e2e-preview"), tail(run)
    url = [line.split("url=", 1)[1] for line in run.lines("e2e preview: url=")]
    assert url and url[0].startswith("https://"), tail(run)
    assert run.lines("Removed alias preview-feature-e2e-preview"), tail(run)
    notes = run.notes
    assert notes["aliases_after"] == notes["aliases"], (notes["aliases"], notes["aliases_after"])
    assert notes["live_after"]["RevisionId"] == notes["live"]["RevisionId"], "live untouched"


def test_two_functions_from_the_function_input_lines_deploy_as_one_in_waves(runs):
    run = ran(runs, "targets")
    assert run.returncode == 0, tail(run)
    assert run.lines("e2e targets: outcome=deployed"), tail(run)
    rows = [line.split("row=", 1)[1] for line in run.lines("e2e targets: row=")]
    before, after = run.notes["before"], run.notes["after"]
    assert rows == [f"{name}:{after[name]}:deployed" for name in TARGETS], (rows, tail(run))
    assert all(int(after[name]) > int(before[name]) for name in after), (before, after)
    assert run.lines("Wave 1 of 2: name-searcher-api") and run.lines("Wave 2 of 2: name-searcher-worker"), tail(run)


def test_an_image_is_deployed_by_its_digest_through_the_action(runs):
    run = ran(runs, "image")
    assert run.returncode == 0, tail(run)
    assert run.lines("e2e image: outcome=deployed") and run.lines("e2e image: version=2"), tail(run)
    digest = run.lines("e2e image: image-digest=")[0].split("image-digest=", 1)[1].strip()
    uri = run.lines("e2e image: image-uri=")[0].split("image-uri=", 1)[1].strip()
    assert digest.startswith("sha256:") and digest != run.notes["first"], tail(run)
    assert uri.endswith("/name-searcher@" + digest), uri
    served = run.notes["served_after"]
    assert run.notes["alias_after"]["FunctionVersion"] == "2"
    assert served["Configuration"]["CodeSha256"] == digest.removeprefix("sha256:")
    assert served["Code"]["ImageUri"] == uri


def test_a_detached_rollout_is_left_in_progress_then_advanced_to_the_end(runs):
    run = ran(runs, "detached")
    assert run.returncode == 0, tail(run)
    assert run.lines("e2e detach: outcome=in-progress") and run.lines("e2e detach: step=1/1"), tail(run)
    assert run.lines("e2e detach: weight=50"), tail(run)
    assert run.lines("e2e advance: early=waiting") and run.lines("e2e advance: late=deployed"), tail(run)
    before, after = run.notes["alias_before"], run.notes["alias_after"]
    version = run.lines("e2e advance: version=")[0].split("version=", 1)[1].strip()
    assert int(version) > int(before["FunctionVersion"]) and after["FunctionVersion"] == version, (before, after)
    assert not after.get("RoutingConfig", {}).get("AdditionalVersionWeights"), after
