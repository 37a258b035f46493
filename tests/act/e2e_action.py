"""Not collected by `pytest tests` (its name is not test_*.py): it builds a release binary, so
scripts/test runs it by name, last: `python3 -m pytest tests/act/e2e_action.py`.

The GitHub Action end to end: nektos/act runs workflows of tests/act on this host (a
self-hosted runner, no container) against the local AWS twin, one run per row of SCENARIOS, in
order, each with a fresh HOME as on a new hosted runner:

1. develop (action-e2e.yml): no release is reachable (as on a fork), so the action builds the
   binary from its own source into a new folder of its own under RUNNER_TEMP (mode 700), checks it
   against the .sha256 the build wrote and runs that copy; the function is deployed to staging;
   the next step checks the outputs, the last one prints RUNNER_TEMP and that folder's mode.
2. develop again: the binary is built and checked again, in a new private folder (nothing is
   cached), and the deploy is skipped.
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

The build: every ./action step builds lambda-shift from source (the action caches nothing), a
release build of about 85 s on 2 cores each, 12 of them here. So act runs on a copy of the
repository (its working tree and .git, without .build* and out), and the harness builds that
copy's sources once with the real scripts/release, in .build-act/release/source (a mirror of them
with a .build of its own: incremental after the first time, and untouched by edits made in the
repository meanwhile), keeping the output under .build-act/release/SOURCE-HASH
(LAMBDA_SHIFT_E2E_CACHE overrides the folder), keyed by a hash of lambda-shift's sources: only a
change of source builds again. The copy's scripts/release is a stand-in that copies that binary and
its .sha256 to the folder it is given. Everything else is the action's own: the copy of its source
into its private folder, the build run there without the job's tokens (the stand-in says which it
was given: none), the check against the .sha256, the run of that copy. The action uses no other
repository's action, so nothing else is replaced (act copies the workspace for actions/checkout
itself).

No log, file the run wrote, or command line holds a secret, and the step summary holds the
summary. The release build is CPU-heavy: it, act and everything under act run with nice -n 19."""

import base64
import dataclasses
import fcntl
import hashlib
import io
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile
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

# What the real scripts/release builds from: a change to any of these builds again.
RELEASE_INPUTS = ("Package.swift", "Package.resolved", "Sources", "scripts/release")
ASSET = f"lambda-shift-linux-{platform.machine()}"
# The names of the tokens and credentials a run's environment holds, which the action's build
# from source must not pass to scripts/release (its stand-in says which of them it was given).
BUILD_WITHOUT = ("GITHUB_TOKEN", "GH_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                 "ACTIONS_ID_TOKEN_REQUEST_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

# scripts/release in the copy of the repository act runs: the action's build from source runs it
# in its private folder, and it writes what the real one writes (the binary and its .sha256) by
# copying the binary the real scripts/release built from these very sources.
RELEASE_STANDIN = """#!/usr/bin/env bash
# scripts/release's stand-in, written by tests/act/e2e_action.py: copies the binary the real
# scripts/release built from these sources (source hash {digest}) and its .sha256 to OUT_DIR,
# and says where it ran and which of the job's tokens it was given (their names, never a value).
set -euo pipefail
out="${{1:-out}}"
given=""
for name in {names}; do
  if [ -n "${{!name+set}}" ]; then given="$given $name"; fi
done
echo "e2e release stand-in: in $PWD, given:${{given:- none}}"
mkdir -p "$out"
cp "{built}/{asset}" "{built}/{asset}.sha256" "$out/"
echo "e2e release stand-in: wrote {asset} sha256 $(cut -d' ' -f1 "$out/{asset}.sha256")"
"""


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


def source_hash(root):
    """What the release binary is built from (RELEASE_INPUTS under root), hashed: 16 hex digits."""
    digest = hashlib.sha256()
    for name in RELEASE_INPUTS:
        top = root / name
        for path in sorted([top] if top.is_file() else (p for p in top.rglob("*") if p.is_file())):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def intact(entry):
    """The SHA-256 of entry's binary when it matches the .sha256 scripts/release wrote beside it."""
    binary, sums = entry / ASSET, entry / f"{ASSET}.sha256"
    if not (binary.is_file() and sums.is_file()):
        return None
    expected = sums.read_text().split()[0]
    return expected if hashlib.sha256(binary.read_bytes()).hexdigest() == expected else None


def snapshot(source, target):
    """target becomes a copy of the repository at source as it is now: working tree and .git,
    without .build*, out and Python's caches (what the action's build leaves out, and more)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, symlinks=True, ignore=lambda folder, names: [
        name for name in names if name in ("__pycache__", ".pytest_cache")
        or (pathlib.Path(folder) == source and (name.startswith(".build") or name == "out"))])


def mirror(source, target):
    """target's files made those of source (its .git and target's .build aside), a file rewritten
    only where its bytes differ, so an unchanged file keeps its time and swift build its work."""
    wanted = set()
    for folder, names, files in os.walk(source):
        here = pathlib.Path(folder)
        if here == source:
            names[:] = [name for name in names if name != ".git"]
        relative = here.relative_to(source)
        wanted.add(relative)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            wanted.add(relative / name)
            into = target / relative / name
            if not into.is_file() or into.read_bytes() != (here / name).read_bytes():
                shutil.copy2(here / name, into)
    for folder, names, files in os.walk(target):
        here = pathlib.Path(folder)
        relative = here.relative_to(target)
        kept = []
        for name in names:
            if here == target and name == ".build":
                continue
            if relative / name in wanted:
                kept.append(name)
            else:
                shutil.rmtree(here / name)
        names[:] = kept
        for name in files:
            if relative / name not in wanted:
                (here / name).unlink()


@pytest.fixture(scope="module")
def release(work):
    """The copy of the repository act runs, and the release binary the real scripts/release built
    from its sources: in .build-act/release/source (a mirror of the copy with a .build of its own,
    so a rebuild is incremental and the edits anyone makes meanwhile in the repository are not in
    it), kept under .build-act/release/SOURCE-HASH (LAMBDA_SHIFT_E2E_CACHE overrides the folder) so
    only a change of lambda-shift's sources builds again, as the old stand-in cache did. The copy's
    scripts/release is then RELEASE_STANDIN. Returns {"repository", "built", "sha256"}."""
    store = pathlib.Path(os.environ.get("LAMBDA_SHIFT_E2E_CACHE") or ROOT / ".build-act" / "release")
    store.mkdir(parents=True, exist_ok=True)
    copy = work / "repository"
    snapshot(ROOT, copy)
    digest = source_hash(copy)
    built = store / digest
    with open(store / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # another run of this test builds in the same folders
        if intact(built):
            print(f"release binary: reused {built} (sources unchanged)")
        else:
            source, building = store / "source", store / f".building-{os.getpid()}"
            mirror(copy, source)
            shutil.rmtree(building, ignore_errors=True)
            started = time.monotonic()
            result = subprocess.run(["nice", "-n", "19", "bash", "scripts/release", str(building)], cwd=source,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=1800)
            log = result.stdout.decode(errors="replace")
            (store / "release.log").write_text(log)
            assert source_hash(source) == digest, f"{source} does not hold the sources of {copy}"
            if result.returncode != 0 or not intact(building):
                shutil.rmtree(building, ignore_errors=True)
                pytest.fail(f"scripts/release failed (exit {result.returncode}, log {store / 'release.log'}):\n"
                            + "\n".join(log.splitlines()[-40:]))
            shutil.rmtree(built, ignore_errors=True)
            building.rename(built)
            print(f"release binary: built by scripts/release in {time.monotonic() - started:.0f}s, {built}")
        # Keep the source mirror and the entry these runs use; drop those of older sources.
        for entry in store.iterdir():
            if entry.is_dir() and entry not in (built, store / "source"):
                shutil.rmtree(entry, ignore_errors=True)
    standin = copy / "scripts" / "release"
    standin.write_text(RELEASE_STANDIN.format(digest=digest, names=" ".join(BUILD_WITHOUT), built=built, asset=ASSET))
    standin.chmod(0o755)
    return {"repository": copy, "built": built, "sha256": intact(built)}


def test_the_action_uses_no_remote_action():
    """No step of the action is another repository's action (actions/cache was one: a cache in
    the deploy job could be poisoned), so act runs it without stand-ins. The tests' workflows
    still use actions/checkout, which act itself copies the workspace for."""
    action = yaml.safe_load((ROOT / "action" / "action.yml").read_text())
    remote = [step["uses"] for step in action["runs"]["steps"] if step.get("uses") and not step["uses"].startswith("./")]
    assert not remote, f"the action uses {remote}: give each a stand-in here (act's --local-repository) or drop it"


class Run:
    def __init__(self, returncode, log, seconds, notes, folder, files=(), command_lines=(), leaks=()):
        self.returncode, self.log, self.seconds, self.notes = returncode, log, seconds, notes
        # The run's folder: its HOME (home/) and act's (act/, where each job's RUNNER_TEMP is).
        self.folder = folder
        # For the secrets scan: every file the run wrote (GITHUB_OUTPUT, the step summary, the
        # action's private folder; act deletes its own after a job that passed, so they are read
        # while it runs), every command line seen while it ran, and where a secret was found.
        self.files, self.command_lines, self.leaks = set(files), list(command_lines), set(leaks)

    def installs(self):
        """Where the action's get step put each binary it checked and ran (one per ./action step)."""
        return [pathlib.Path(m) for m in re.findall(r"lambda-shift installed at (\S+) \(checked there", self.log)]

    def builds(self):
        """What scripts/release's stand-in said, per build: (the folder it ran in, the names of the
        tokens it was given, the SHA-256 of the binary it wrote)."""
        where = re.findall(r"e2e release stand-in: in (\S+), given: (.*)$", self.log, re.M)
        wrote = re.findall(rf"e2e release stand-in: wrote {re.escape(ASSET)} sha256 ([0-9a-f]{{64}})", self.log)
        assert len(where) == len(wrote), self.log
        return [(pathlib.Path(folder), [n for n in given.split() if n != "none"], sha) for (folder, given), sha in zip(where, wrote)]

    def binaries_run(self, work):
        """The lambda-shift binaries under this test's folder that the sampling saw running."""
        return {pathlib.Path(line.split(" ")[0]) for line in self.command_lines
                if line.split(" ")[0].endswith("/lambda-shift") and line.startswith(str(work))}

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


def act(scenario, notes, work, twin, repository):
    name, branch = scenario.name, scenario.branch
    home = work / name / "home"
    home.mkdir(parents=True)
    event = work / name / "event.json"
    event.write_text(json.dumps({"ref": f"refs/heads/{branch}", "repository": {"full_name": REPOSITORY}}))
    token_file = work / name / "web-identity-token"
    token_file.write_text(WEB_IDENTITY_TOKEN)
    env = {"HOME": str(home), "GITHUB_REPOSITORY": REPOSITORY,
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
    command = ["nice", "-n", "19", "act", "push", "-W", str(repository / WORKFLOWS.relative_to(ROOT) / scenario.workflow),
               "-P", "ubuntu-latest=-self-hosted",
               "-e", str(event), "--action-cache-path", str(work / name / "act"), "--no-cache-server",
               "--env-file", str(env_file), "--secret-file", str(secret_file), "--var-file", str(empty),
               "--input-file", str(empty)]
    for key, value in scenario.variables.items():
        command += ["--var", f"{key}={value}"]
    started = time.monotonic()
    watcher = Watcher(work / name, repository, exclude={env_file, secret_file, token_file})
    with watcher:
        result = subprocess.run(command, cwd=repository, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, timeout=1500)
    log = result.stdout.decode(errors="replace")
    (work / f"{name}.log").write_text(log)
    run = Run(result.returncode, log, time.monotonic() - started, notes, work / name, watcher.files, watcher.seen, watcher.leaks)
    print(f"act {name} ({scenario.workflow}, {branch}): exit {run.returncode} in {run.seconds:.0f}s, log {work / f'{name}.log'}")
    return run


def checked_out(path, repository):
    """Whether `path` is a copy of the repository act runs, byte for byte as it holds it: act's
    checkout (under hostexecutor/) or the action's copy of its own source for a build (under
    RUNNER_TEMP/lambda-shift.XXXXXXXX/src/), so the repository's own files (the twin's well-known
    test key among them), not something the run wrote. A file the run changed or added is scanned."""
    parts = path.parts
    for index, part in enumerate(parts[:-1]):
        if part == "hostexecutor" or (part == "src" and index and re.fullmatch(r"lambda-shift\.\w{8}", parts[index - 1])):
            original = repository.joinpath(*parts[index + 1:])
            return original.is_file() and original.read_bytes() == path.read_bytes()
    return False


class Watcher:
    """While a run goes on: samples every process's command line (/proc/*/cmdline) every 20 ms,
    and reads every file under the run's folder (its HOME and act's own files) that is new or
    changed every 100 ms and once at the end, noting each secret found. A copy of the repository,
    unchanged (checked_out), is the repository's own text, not something the run wrote."""

    def __init__(self, folder, repository, exclude):
        self.folder, self.repository, self.exclude = folder, repository, set(exclude)
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
                if checked_out(path, self.repository):
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
def runs(work, twin, aws, release):
    """SCENARIOS' runs, in order (each starts from the twin the one before left); the tests read
    their logs and notes."""
    context = {"aws": aws, "twin": twin}
    results = {}
    for scenario in SCENARIOS:
        notes = {}
        if scenario.before:
            scenario.before(context, notes)
        results[scenario.name] = act(scenario, notes, work, twin, release["repository"])
        if scenario.after:
            scenario.after(context, notes)
        if len(results) == 1 and not results[scenario.name].installs():
            break  # the first run got no binary: the others would fail the same way
    return results


def test_develop_deploys_to_staging_and_the_next_step_reads_the_outputs(runs):
    run = runs["develop"]
    assert run.returncode == 0, tail(run)
    checks = run.lines("e2e check:")
    assert {"STEP", "OUTCOME", "ENVIRONMENT", "FUNCTION", "VERSION", "PREVIOUS_VERSION", "SKIPPED"} == {
        line.split("e2e check: ")[1].split()[0] for line in checks}, tail(run)
    alias = run.notes["alias_after"]
    assert alias["FunctionVersion"] == "2" and not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights"), alias


def ran(runs, name):
    if name not in runs:
        pytest.fail(f"act run {name} not started: the first run got no binary\n{tail(runs['develop'])}")
    return runs[name]


def runner(run):
    """What action-e2e.yml's last step printed: RUNNER_TEMP, and each lambda-shift.* folder in it
    with its mode."""
    temps = {pathlib.Path(m) for m in re.findall(r"e2e runner: temp=(\S+)", run.log)}
    assert len(temps) == 1, tail(run)
    folders = {pathlib.Path(path): mode for mode, path in re.findall(r"e2e runner: folder=(\d+) (\S+)", run.log)}
    return temps.pop(), folders


def test_the_binary_is_built_from_source_checked_and_run_from_a_private_folder_under_runner_temp(runs, release):
    """The develop run's ./action step: no release reachable, so it builds from the action's own
    source: copies it into a new folder of its own under RUNNER_TEMP (mode 700), runs
    scripts/release there without the job's tokens, checks the binary against the .sha256 the build
    wrote, and runs that copy, never one under ~/.cache/lambda-shift."""
    run = runs["develop"]
    assert "::set-output:: version=source" in run.log, tail(run)   # the resolve step chose the source
    temp, folders = runner(run)
    [binary] = run.installs()
    private = binary.parent
    assert binary.name == "lambda-shift" and private.parent == temp and re.fullmatch(r"lambda-shift\.\w{8}", private.name), (binary, temp)
    assert folders == {private: "700"}, (folders, tail(run))
    [(folder, given, sha)] = run.builds()
    assert folder == private / "src" and given == [] and sha == release["sha256"], (folder, given, sha)
    assert "built from source does not match" not in run.log and "from the cache" not in run.log, tail(run)
    assert run.binaries_run(run.folder.parent) == {binary}, sorted(run.binaries_run(run.folder.parent))


def test_the_same_code_again_is_skipped_with_a_binary_of_its_own(runs):
    """Nothing is cached: the run builds (the stand-in) and checks its binary again, in a new
    private folder under its own RUNNER_TEMP, and the deploy is skipped."""
    run = ran(runs, "again")
    assert run.returncode == 0, tail(run)
    assert len(run.lines("e2e check:")) == 5, tail(run)
    temp, folders = runner(run)
    [binary] = run.installs()
    assert binary.parent.parent == temp and folders == {binary.parent: "700"}, (binary, temp, folders)
    assert binary not in runs["develop"].installs() and len(run.builds()) == 1, tail(run)
    assert "from the cache" not in run.log, tail(run)


def test_every_action_step_builds_checks_and_runs_its_own_copy(runs, release, work):
    """In every run, each ./action step got its binary from the build (scripts/release, given none
    of the job's tokens) into a new lambda-shift.XXXXXXXX folder under its job's RUNNER_TEMP (in
    the run's act folder), each step a folder of its own; only those copies ran; nothing was put
    under ~/.cache/lambda-shift."""
    for name, run in runs.items():
        installs, builds = run.installs(), run.builds()
        assert installs and len(builds) == len(installs) == len(set(installs)), (name, installs, tail(run))
        for binary, (folder, given, sha) in zip(installs, builds):
            assert re.fullmatch(r"lambda-shift\.\w{8}", binary.parent.name) and binary.is_relative_to(run.folder / "act"), (name, binary)
            assert folder == binary.parent / "src" and given == [] and sha == release["sha256"], (name, folder, given, sha)
        assert run.binaries_run(work) <= set(installs), (name, sorted(run.binaries_run(work)), installs)
        assert not (run.folder / "home" / ".cache" / "lambda-shift").exists(), name
        assert not any(".cache/lambda-shift" in path for path in run.files), name


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
    step summary, the action's private folder, what act keeps), and every command line sampled
    while it ran."""
    # The sampling saw the processes that hold the secrets: in every run the action's deploy step
    # (its shell has the job's environment), and lambda-shift itself in the runs long enough to
    # be caught every 20 ms on a busy machine (a preflight refusal can end in less).
    seen_binary = []
    for name, run in runs.items():
        step = [line for line in run.command_lines if "-composite-" in line or line.split(" ")[0].endswith("/lambda-shift")]
        assert step, (name, sorted(run.command_lines)[:20])
        if any(line.split(" ")[0].endswith("/lambda-shift") for line in run.command_lines):
            seen_binary.append(name)
    assert len(seen_binary) >= len(runs) // 2, ("lambda-shift was sampled in too few runs", seen_binary)
    for name, run in runs.items():
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
    # Each job got (and checked) a binary of its own: nothing came from a cache.
    assert len(set(run.installs())) == 2 and "from the cache" not in run.log, tail(run)

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
