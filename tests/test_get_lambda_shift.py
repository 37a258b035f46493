"""action/get-lambda-shift.sh, run for real through action/action.yml's own steps.

Each test writes a fresh action tree (the real get-lambda-shift.sh and action.yml; Package.swift,
Sources/ and a stub scripts/release that writes a stub binary and its .sha256, so nothing is built,
and notes where it ran, into which folder and with which environment), points HOME and the
runner's temp folder (runner.temp) at temp folders, and runs the action's `run:` steps in order as
the runner would (`bash --noprofile --norc -eo pipefail`), each with its env: as action.yml writes
it, its ${{ }} expressions evaluated from the test's inputs and github and runner contexts and the
earlier steps' outputs (read from each step's own GITHUB_OUTPUT file); the env: of a step wins over
the job's environment (a test's extra_env), as GITHUB_ENV's values lose to it on a runner. The
release host (github.server_url) and the API (github.api_url) are one HTTP server on 127.0.0.1, on
a free port, started and stopped per test; the "binaries" it serves are shell scripts that append
to a marker file whenever they run, so a test can tell whether one ever ran. The action keeps no
cache: a test that plants a binary where an earlier version cached one shows it is never used."""

import hashlib
import http.server
import json
import os
import pathlib
import platform
import re
import shutil
import stat
import subprocess
import threading

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARCH = platform.machine()
ASSET = f"lambda-shift-linux-{ARCH}"
REPOSITORY = "lambda-shift/lambda-shift"
TOKEN = "ghs_test-token-0123456789"

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or ARCH not in ("x86_64", "aarch64"),
                                reason="releases exist for Linux x86_64 and aarch64 only")


def binary(marker, version):
    """A stand-in for a release binary: notes each run in the marker file, prints its version."""
    return (f'#!/bin/sh\necho "{version} $*" >> "{marker}"\n'
            f'if [ "$1" = --version ]; then echo "lambda-shift {version}"; else echo "ran: $*"; fi\n').encode()


class Host:
    """github.com's release downloads and api.github.com's release list, for one repository."""

    def __init__(self):
        self.files = {}       # path -> bytes
        self.releases = []    # the API's list
        self.api_status = 200
        self.requests = []    # (path, Authorization header or None)
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host.requests.append((self.path, self.headers.get("Authorization")))
                if self.path == f"/repos/{REPOSITORY}/releases?per_page=100":
                    status, body = host.api_status, json.dumps(host.releases).encode()
                elif self.path in host.files:
                    status, body = 200, host.files[self.path]
                else:
                    status, body = 404, b"Not Found"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def publish(self, tag, content, sha256=None, prerelease=False, draft=False, assets=True):
        """A release: the binary and its .sha256 (sha256sum's format; a given digest instead of
        the right one), and its entry in the API's list."""
        base = f"/{REPOSITORY}/releases/download/{tag}/{ASSET}"
        names = []
        if assets:
            self.files[base] = content
            digest = sha256 or hashlib.sha256(content).hexdigest()
            self.files[base + ".sha256"] = f"{digest}  {ASSET}\n".encode()
            names = [ASSET, ASSET + ".sha256"]
        self.releases.append({"tag_name": tag, "draft": draft, "prerelease": prerelease,
                              "assets": [{"name": name} for name in names]})

    def downloads(self):
        return [path for path, _ in self.requests if "/releases/download/" in path]


@pytest.fixture
def host():
    server = Host()
    try:
        yield server
    finally:
        server.stop()


class Action:
    """An action checkout (tree/action is GITHUB_ACTION_PATH), a runner's HOME and its temp folder."""

    def __init__(self, tmp_path, host):
        self.tmp, self.host = tmp_path, host
        self.tree = tmp_path / "tree"
        self.home = tmp_path / "home"
        self.temp = tmp_path / "runner-temp"
        self.marker = tmp_path / "ran"
        self.built = tmp_path / "built"
        self.build_env = tmp_path / "build-env"
        self.build_dirs = tmp_path / "build-dirs"
        (self.tree / "action").mkdir(parents=True)
        (self.tree / "Sources").mkdir()
        (self.tree / "scripts").mkdir()
        self.home.mkdir()
        self.temp.mkdir()
        for name in ("action.yml", "get-lambda-shift.sh"):
            shutil.copy(ROOT / "action" / name, self.tree / "action" / name)
        (self.tree / "Package.swift").write_text("// swift-tools-version: 6.0\n")
        (self.tree / "Sources" / "main.swift").write_text('print("lambda-shift")\n')
        # scripts/release's contract: OUT_DIR/lambda-shift-linux-$(uname -m) and its .sha256. The
        # stand-in also notes its environment, the folder it ran in and the one it wrote to.
        release = self.tree / "scripts" / "release"
        release.write_text(f"""#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
out="${{1:-out}}"
echo built >> "{self.built}"
env > "{self.build_env}"
printf '%s\\n%s\\n' "$PWD" "$(cd "$(dirname "$out")" && pwd)/$(basename "$out")" > "{self.build_dirs}"
mkdir -p "$out"
asset="lambda-shift-linux-$(uname -m)"
printf '#!/bin/sh\\necho "source $*" >> "{self.marker}"\\n[ "$1" = --version ] && echo "lambda-shift source build" || echo "ran: $*"\\n' > "$out/$asset"
(cd "$out" && sha256sum "$asset" > "$asset.sha256")
echo "$out/$asset built"
""")
        release.chmod(0o755)
        self.spec = yaml.safe_load((self.tree / "action" / "action.yml").read_text())

    def runs(self):
        return self.marker.read_text().splitlines() if self.marker.exists() else []

    def built_from_source(self):
        return self.built.exists()

    def run(self, version="", ref="", repository=REPOSITORY, until=None, extra_env=None, verify="", source_from="",
            server=None, between=None):
        """Runs the action's run: steps in order, up to and including the step with id `until`
        (all of them by default), stopping at the first that fails; `between(outputs)` runs after
        the get step, before the run step. Returns (returncode, stdout, stderr, steps' outputs)."""
        context = {"inputs.lambda-shift-version": version, "inputs.command": "deploy", "inputs.verify-attestation": verify,
                   "inputs.lambda-shift-repository": source_from,
                   "github.action_ref": ref, "github.action_repository": repository, "github.token": TOKEN,
                   "github.server_url": server or self.host.url, "github.api_url": self.host.url,
                   "runner.temp": str(self.temp)}
        outputs = {}
        stdout, stderr = [], []
        for index, step in enumerate(self.spec["runs"]["steps"]):
            if "run" not in step:
                continue
            env = {"PATH": os.environ["PATH"], "HOME": str(self.home), "GITHUB_SERVER_URL": self.host.url,
                   "GITHUB_API_URL": self.host.url, "RUNNER_TEMP": str(self.temp),
                   "GITHUB_ACTION_PATH": str(self.tree / "action")}
            env.update(extra_env or {})
            for name, value in (step.get("env") or {}).items():
                env[name] = evaluate(str(value), context, outputs)
            output_file = self.tmp / f"output-{index}"
            output_file.write_text("")
            env["GITHUB_OUTPUT"] = str(output_file)
            result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                    env=env, capture_output=True, text=True, cwd=self.tmp, timeout=60)
            stdout.append(result.stdout)
            stderr.append(result.stderr)
            if "id" in step:
                outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
            if result.returncode != 0 or step.get("id") == until:
                return result.returncode, "".join(stdout), "".join(stderr), outputs
            if step.get("id") == "get" and between:
                between(outputs)
        return 0, "".join(stdout), "".join(stderr), outputs


def evaluate(text, context, outputs):
    """${{ name }} expressions as action.yml uses them: context values and steps.ID.outputs.NAME."""
    def value(match):
        name = match.group(1)
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", name)
        if step:
            return outputs.get(step.group(1), {}).get(step.group(2), "")
        if name.startswith("inputs."):
            return context.get(name, "")
        assert name in context, f"action.yml uses ${{{{ {name} }}}}, which this test does not provide"
        return context[name]
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", value, text)


@pytest.fixture
def action(tmp_path, host):
    return Action(tmp_path, host)


def old_cache(action):
    """Where earlier versions of the action cached the binary (actions/cache and ~/.cache)."""
    return action.home / ".cache" / "lambda-shift"


def errors(stdout):
    return [line for line in stdout.splitlines() if line.startswith("::error")]


def executables(folder):
    return sorted(str(p) for p in folder.rglob("*") if p.is_file() and os.access(p, os.X_OK)) if folder.exists() else []


def private_copy(action, outputs):
    """The get step's path output: lambda-shift in a folder of its own under runner.temp, the
    folder 700 and the binary 500, matching the sha256 output. Returns the path."""
    path = pathlib.Path(outputs["get"]["path"])
    assert path.name == "lambda-shift" and path.parent.parent == action.temp, path
    assert re.fullmatch(r"lambda-shift\.[A-Za-z0-9]{8}", path.parent.name), path
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, oct(path.parent.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o500, oct(path.stat().st_mode)
    assert sorted(p.name for p in path.parent.iterdir()) == ["lambda-shift"]   # the build's folders are gone
    assert hashlib.sha256(path.read_bytes()).hexdigest() == outputs["get"]["sha256"]
    return path


def nothing_left(action):
    """A refused or failed get step leaves no binary anywhere, and no folder of its own."""
    return executables(action.home) == [] and list(action.temp.iterdir()) == []


def plant(folder, content):
    """A binary with a matching .sha256 beside it, as the old cache kept them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lambda-shift").write_bytes(content)
    (folder / "lambda-shift").chmod(0o755)
    (folder / "lambda-shift.sha256").write_text(hashlib.sha256(content).hexdigest() + "  lambda-shift\n")


def test_a_release_with_the_right_sha256_is_put_in_a_private_folder_checked_there_and_run_from_there(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    code, out, err, outputs = action.run(ref="v1.2.0")
    assert code == 0, out + err
    path = private_copy(action, outputs)
    assert path.read_bytes() == binary(action.marker, "1.2.0")
    assert outputs["get"]["sha256"] == hashlib.sha256(binary(action.marker, "1.2.0")).hexdigest()
    assert "lambda-shift 1.2.0" in out and "ran: deploy" in out, out   # the run step ran the binary it was given
    assert action.runs() == ["1.2.0 --version", "1.2.0 deploy"]
    assert not action.built_from_source()
    assert outputs["resolve"]["version"] == "v1.2.0" and set(outputs["resolve"]) == {"version", "url", "sha256", "repository"}
    assert not old_cache(action).exists()                  # nothing cached, nothing written under HOME
    # The token goes to the API only (no API call for a full tag), never to the download host.
    assert all(auth is None for _, auth in host.requests), host.requests
    # Every run gets the binary again, into a new folder of its own.
    code, out, err, again = action.run(ref="v1.2.0")
    assert code == 0 and private_copy(action, again) != path, out + err
    assert len(host.downloads()) == 4                      # twice its .sha256 and the binary


def test_a_release_with_a_wrong_sha256_is_refused_deleted_and_never_run(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"), sha256="0" * 64)
    code, out, err, outputs = action.run(ref="v1.2.0")
    assert code == 1, out + err
    assert len(errors(out)) == 1, out
    assert "does not match its published SHA-256" in errors(out)[0] and "deleted without being run" in errors(out)[0]
    assert action.runs() == []                               # never run
    assert nothing_left(action)
    assert "path" not in outputs.get("get", {}) and "ran: deploy" not in out
    assert f"/releases/download/v1.2.0/{ASSET}" in " ".join(host.downloads())


def test_a_moving_major_resolves_to_its_highest_release(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    host.publish("v1.10.1", binary(action.marker, "1.10.1"))
    host.publish("v2.0.0", binary(action.marker, "2.0.0"))
    # Not candidates: a pre-release, a draft, a release without this runner's binary.
    host.publish("v1.11.0-rc.1", binary(action.marker, "rc"), prerelease=True)
    host.publish("v1.12.0", binary(action.marker, "draft"), draft=True)
    host.publish("v1.13.0", b"", assets=False)
    code, out, err, outputs = action.run(ref="v1")
    assert code == 0, out + err
    assert outputs["resolve"]["version"] == "v1.10.1"
    assert private_copy(action, outputs).read_bytes() == binary(action.marker, "1.10.1")
    assert action.runs() == ["1.10.1 --version", "1.10.1 deploy"]
    # The API was asked with the job's token as a bearer token (sent through curl's stdin).
    assert (f"/repos/{REPOSITORY}/releases?per_page=100", f"Bearer {TOKEN}") in host.requests
    assert all(auth is None for path, auth in host.requests if "/releases/download/" in path)
    # v1.2 is a moving minor: the highest v1.2.x.
    host.publish("v1.2.7", binary(action.marker, "1.2.7"))
    code, out, err, outputs = action.run(version="v1.2", until="resolve")
    assert code == 0 and outputs["resolve"]["version"] == "v1.2.7", out + err


def test_an_explicit_version_that_does_not_exist_is_an_error(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    for version in ("v9.9.9", "v3"):
        code, out, err, outputs = action.run(version=version, ref="v1.2.0")
        assert code == 1, out + err
        assert len(errors(out)) == 1 and f"lambda-shift {version} does not exist" in errors(out)[0], out
        assert "get" not in outputs and not action.built_from_source() and action.runs() == []


def test_the_implicit_release_when_missing_falls_back_to_the_source_with_a_notice(action, host):
    code, out, err, outputs = action.run(ref="v3.0.0")
    assert code == 0, out + err
    assert any(line.startswith("::notice") and "building lambda-shift from the action's source" in line
               for line in out.splitlines()), out
    assert action.built_from_source() and outputs["resolve"]["version"] == "source"
    private_copy(action, outputs)


def test_the_api_failing_is_a_fallback_for_the_default_and_an_error_when_asked_for(action, host):
    host.api_status = 500
    code, out, err, outputs = action.run(ref="v1")
    assert code == 0 and action.built_from_source(), out + err
    assert any(line.startswith("::warning") and "HTTP 500" in line for line in out.splitlines()), out
    code, out, err, outputs = action.run(version="v1")
    assert code == 1 and len(errors(out)) == 1 and "Could not list the releases" in errors(out)[0], out


def test_a_binary_an_earlier_run_left_in_the_old_cache_is_never_used(action, host):
    """Earlier versions kept the binary in ~/.cache/lambda-shift/SLOT with a .sha256 beside it
    (and actions/cache restored it there). A tampered one planted there, with a matching .sha256,
    is never run: the release is downloaded and verified again, the source built again."""
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    plant(old_cache(action) / f"release-v1.2.0-{ARCH}", binary(action.marker, "tampered"))
    # The old source slot was named by a hash of the action's source, which anyone can compute.
    old_hash = subprocess.run("find Package.swift Sources scripts/release -type f -print0 | LC_ALL=C sort -z"
                              " | xargs -0 sha256sum | sha256sum | cut -c1-16", shell=True, cwd=action.tree,
                              capture_output=True, text=True, check=True).stdout.strip()
    for slot in (f"source-{old_hash}-{ARCH}", "source-no-source-" + ARCH):
        plant(old_cache(action) / slot, binary(action.marker, "tampered"))
    (old_cache(action) / "lambda-shift").write_bytes(binary(action.marker, "tampered"))
    (old_cache(action) / "lambda-shift").chmod(0o755)
    code, out, err, outputs = action.run(ref="v1.2.0")
    assert code == 0, out + err
    assert action.runs() == ["1.2.0 --version", "1.2.0 deploy"], action.runs()
    assert len(host.downloads()) == 2                      # its .sha256, then the binary: downloaded anew
    assert ".cache" not in out + err and ".cache" not in outputs["get"]["path"]
    private_copy(action, outputs)
    code, out, err, outputs = action.run(ref="main")       # a source build: built again
    assert code == 0 and action.built_from_source(), out + err
    assert "tampered" not in " ".join(action.runs()) and ".cache" not in outputs["get"]["path"]


def test_a_binary_fetched_under_off_is_not_reused_under_required_without_gh(action, host):
    """The old cache's hole: one run with verify-attestation off filled it, a later run that
    requires the attestation, without gh, ran what the first one left. Now the later run gets the
    binary again and refuses it."""
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    no_gh = {"PATH": path_without_gh()}
    code, out, err, first = action.run(ref="v1.2.0", verify="off", extra_env=no_gh)
    assert code == 0 and "not verified (verify-attestation is off)" in out, out + err
    code, out, err, outputs = action.run(ref="v1.2.0", verify="required", extra_env=no_gh)
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "verify-attestation is required, but the GitHub CLI (gh) is not on this runner" in errors(out)[0]
    assert action.runs() == ["1.2.0 --version", "1.2.0 deploy"]   # the first run's only
    assert "path" not in outputs.get("get", {})
    assert [p.name for p in action.temp.iterdir()] == [pathlib.Path(first["get"]["path"]).parent.name]


def test_a_binary_changed_after_the_get_step_checked_it_is_not_run(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))

    def tamper(outputs):
        path = pathlib.Path(outputs["get"]["path"])
        path.chmod(0o700)
        path.write_bytes(binary(action.marker, "tampered"))

    code, out, err, outputs = action.run(ref="v1.2.0", between=tamper)
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "changed after the get step checked it, so it was not run" in errors(out)[0], out
    assert action.runs() == ["1.2.0 --version"]            # the get step's check of the real one, nothing after


@pytest.mark.parametrize("ref,version", [("main", ""), ("0123456789abcdef0123456789abcdef01234567", ""), ("", ""),
                                         ("v1", "source")])
def test_a_branch_a_commit_a_local_action_or_source_builds_from_source_in_a_private_folder(action, host, ref, version):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    code, out, err, outputs = action.run(ref=ref, version=version)
    assert code == 0, out + err
    assert action.built_from_source() and host.requests == []   # no network at all
    assert outputs["resolve"]["version"] == "source" and outputs["resolve"]["url"] == ""
    path = private_copy(action, outputs)
    assert action.runs() == ["source --version", "source deploy"]
    # Built in a copy of the action's source inside that folder, never in the action's tree.
    ran_in, wrote_to = action.build_dirs.read_text().splitlines()
    assert ran_in == str(path.parent / "src") and wrote_to == str(path.parent / "out"), (ran_in, wrote_to)
    assert not (action.tree / "out").exists()
    # Built again by the next job: nothing is shared between jobs.
    action.built.unlink()
    code, out, err, again = action.run(ref=ref, version=version)
    assert code == 0 and action.built_from_source() and private_copy(action, again) != path, out + err


def test_a_source_build_replaced_between_build_and_run_is_not_what_runs(action, host):
    """What the build wrote is copied out of it, checked, and the build's folders deleted: a
    binary put where the build wrote (or in the source it built) is never the one that runs."""
    def replace(outputs):
        ran_in, wrote_to = (pathlib.Path(line) for line in action.build_dirs.read_text().splitlines())
        assert not ran_in.exists() and not wrote_to.exists()
        for folder in (ran_in, wrote_to):
            folder.mkdir()
            (folder / ASSET).write_bytes(binary(action.marker, "tampered"))
            (folder / ASSET).chmod(0o755)
        assert not pathlib.Path(outputs["get"]["path"]).is_relative_to(wrote_to)

    code, out, err, outputs = action.run(ref="main", between=replace)
    assert code == 0, out + err
    assert action.runs() == ["source --version", "source deploy"]


def test_the_source_build_never_sees_the_jobs_tokens(action, host):
    secrets = {"GH_TOKEN": "gh-token-secret", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-secret",
               "ACTIONS_ID_TOKEN_REQUEST_URL": "https://oidc.example/secret", "ACTIONS_RUNTIME_TOKEN": "runtime-secret",
               "AWS_ACCESS_KEY_ID": "AKIDSECRET", "AWS_SECRET_ACCESS_KEY": "aws-secret", "AWS_SESSION_TOKEN": "aws-session-secret"}
    code, out, err, outputs = action.run(ref="main", extra_env=secrets)
    assert code == 0 and action.built_from_source(), out + err
    seen = dict(line.split("=", 1) for line in action.build_env.read_text().splitlines() if "=" in line)
    assert "GITHUB_TOKEN" not in seen and TOKEN not in action.build_env.read_text()
    for name, value in secrets.items():
        assert name not in seen and value not in action.build_env.read_text(), name
    assert seen["HOME"] == str(action.home) and seen["PATH"]    # the rest of the environment is kept


@pytest.mark.parametrize("version", ["1.2.3", "latest", "v1.2.3; id", "v1\n::error::injected", "v1%0A::warning::x"])
def test_a_malformed_version_is_refused_in_one_escaped_line(action, host, version):
    code, out, err, outputs = action.run(version=version)
    assert code == 1, out + err
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error title=lambda-shift::The action's lambda-shift-version input is"), out
    assert "\n" not in lines[0] and ("%0A" in lines[0] or "\n" not in version)
    assert host.requests == [] and not action.built_from_source()


def test_the_repository_comes_from_the_input_and_never_from_the_environment(action, host, tmp_path):
    """An earlier step can write LAMBDA_SHIFT_REPOSITORY (or the script's own names) to
    GITHUB_ENV: neither changes where the binary comes from or which attestation is accepted."""
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, calls = stand_in_gh(tmp_path, "exit 0")
    ambient = {"LAMBDA_SHIFT_REPOSITORY": "evil/x", "LAMBDA_SHIFT_GET_FROM": "evil/y", "LAMBDA_SHIFT_GET_REPOSITORY": "evil/z"}
    code, out, err, outputs = action.run(version="v1.2.0", extra_env={**env, **ambient})
    assert code == 0, out + err
    assert outputs["resolve"]["url"] == f"{host.url}/{REPOSITORY}/releases/download/v1.2.0/{ASSET}"
    assert outputs["resolve"]["repository"] == REPOSITORY and "evil" not in calls.read_text()
    # The input wins over the action's own repository, for the download and the attestation.
    calls.unlink()
    code, out, err, outputs = action.run(version="v1.2.0", repository="someone/fork", source_from=REPOSITORY, extra_env=env)
    assert code == 0 and outputs["resolve"]["url"].endswith(f"/{REPOSITORY}/releases/download/v1.2.0/{ASSET}"), out + err
    arguments = calls.read_text().split()[1:]
    assert arguments[arguments.index("--repo") + 1] == REPOSITORY and "someone/fork" not in calls.read_text()
    # Every name the script reads, set by an earlier step to a hostile value: the step's env: wins
    # (LAMBDA_SHIFT_ATTESTATION_TIMEOUT, a timeout only, is the one the job's environment may set).
    script = (ROOT / "action" / "get-lambda-shift.sh").read_text()
    names = set(re.findall(r"\b(LAMBDA_SHIFT_[A-Z0-9_]+|GITHUB_TOKEN)\b", script)) - {"LAMBDA_SHIFT_ATTESTATION_TIMEOUT"}
    assert {"LAMBDA_SHIFT_GET_FROM", "LAMBDA_SHIFT_GET_REPOSITORY", "LAMBDA_SHIFT_SERVER_URL", "LAMBDA_SHIFT_GET_TEMP"} <= names
    assert "LAMBDA_SHIFT_REPOSITORY" not in names
    calls.unlink()
    code, out, err, outputs = action.run(ref="v1.2.0", extra_env={**env, **{name: "evil/x" for name in names}})
    assert code == 0 and "evil" not in out + err + calls.read_text(), out + err
    assert action.runs()[-2:] == ["1.2.0 --version", "1.2.0 deploy"]
    private_copy(action, outputs)
    # A malformed input: one escaped line naming the input.
    code, out, err, outputs = action.run(version="v1.2.0", source_from="evil/../x\n::y")
    assert code == 1 and len(out.splitlines()) == 1 and len(errors(out)) == 1, out
    assert "lambda-shift-repository input is 'evil/../x%0A::y'" in errors(out)[0], out


def test_a_binary_that_cannot_start_here_says_what_it_needs(action, host):
    """A release built against a newer glibc, or a runner without libcurl: the loader's own
    message as it comes, then one ::error saying what the binary needs, and the step fails."""
    broken = f'#!/bin/sh\necho "broken $*" >> "{action.marker}"\necho "error while loading shared libraries: libcurl.so.4" >&2\nexit 127\n'
    host.publish("v1.2.0", broken.encode())
    code, out, err, outputs = action.run(version="v1.2.0")
    assert code == 1 and "libcurl.so.4" in err, out + err
    assert len(errors(out)) == 1 and "does not start on this runner" in errors(out)[0], out
    assert "path" not in outputs.get("get", {}) and action.runs() == ["broken --version"]
    assert nothing_left(action)


def test_a_release_whose_binary_cannot_be_downloaded_or_a_host_that_does_not_answer_is_an_error(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    del host.files[f"/{REPOSITORY}/releases/download/v1.2.0/{ASSET}"]     # its .sha256 only
    code, out, err, outputs = action.run(version="v1.2.0")
    assert code == 1 and len(errors(out)) == 1 and "Could not download lambda-shift (HTTP 404" in errors(out)[0], out
    assert nothing_left(action) and action.runs() == []
    closed = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()                                                     # a port nothing listens on
    code, out, err, outputs = action.run(version="v1.2.0", server=f"http://127.0.0.1:{port}")
    assert code == 1 and len(errors(out)) == 1, out + err
    assert "Could not read the SHA-256 of lambda-shift v1.2.0 (no answer from" in errors(out)[0], out


def stand_in_gh(tmp_path, body):
    """A `gh` on PATH that records its arguments and token, then does `body` (shell)."""
    folder = tmp_path / "gh-bin"
    folder.mkdir(exist_ok=True)
    calls = tmp_path / "gh-calls"
    script = folder / "gh"
    script.write_text(f'#!/bin/sh\necho "$GH_TOKEN $*" >> "{calls}"\n{body}\n')
    script.chmod(0o755)
    return {"PATH": f"{folder}:{path_without_gh()}"}, calls


def path_without_gh():
    """This machine's PATH less any folder that holds a gh of its own."""
    return ":".join(p for p in os.environ["PATH"].split(":") if not os.access(os.path.join(p, "gh"), os.X_OK))


def signer(host, tag):
    return f"{host.url}/{REPOSITORY}/.github/workflows/release.yml@refs/tags/{tag}"


@pytest.mark.parametrize("ref,tag", [("v1.2.0", "v1.2.0"), ("v1", "v1.10.1")])
def test_the_attestation_is_verified_on_the_copy_that_runs_and_bound_to_the_release_tag(action, host, tmp_path, ref, tag):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    host.publish("v1.10.1", binary(action.marker, "1.10.1"))
    env, calls = stand_in_gh(tmp_path, "exit 0")
    code, out, err, outputs = action.run(ref=ref, extra_env=env)
    assert code == 0, out + err
    recorded = calls.read_text().splitlines()
    assert len(recorded) == 1, recorded
    token, *arguments = recorded[0].split(" ")
    assert token == TOKEN
    # The private copy itself, verified where it then runs from; the certificate's identity is the
    # release workflow at that very tag (--cert-identity: an exact match), built from that tag, on
    # a GitHub-hosted runner.
    assert arguments == ["attestation", "verify", outputs["get"]["path"], "--repo", REPOSITORY,
                         "--cert-identity", signer(host, tag), "--source-ref", f"refs/tags/{tag}",
                         "--deny-self-hosted-runners"], arguments
    private_copy(action, outputs)
    assert f"build provenance verified: attested by {signer(host, tag)} on a GitHub-hosted runner" in out
    version = tag.removeprefix("v")
    assert action.runs() == [f"{version} --version", f"{version} deploy"]


def test_a_refused_attestation_deletes_the_download_and_stops_the_job_before_it_runs(action, host, tmp_path):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, calls = stand_in_gh(tmp_path, "echo 'no attestation matched' >&2; exit 1")
    code, out, err, outputs = action.run(ref="v1.2.0", extra_env=env)
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "is not attested by" in errors(out)[0] and "deleted without being run" in errors(out)[0], out
    assert signer(host, "v1.2.0") in errors(out)[0]
    assert action.runs() == [] and nothing_left(action)
    assert calls.exists()


def test_a_verification_that_hangs_is_stopped_and_refused(action, host, tmp_path):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, _ = stand_in_gh(tmp_path, "sleep 30")
    env["LAMBDA_SHIFT_ATTESTATION_TIMEOUT"] = "1"
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env)
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "did not finish within 1s" in errors(out)[0], out
    assert action.runs() == [] and nothing_left(action)


def test_without_gh_auto_says_so_in_a_warning_and_required_stops_the_job(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env = {"PATH": path_without_gh()}
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env, verify="required")
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "verify-attestation is required, but the GitHub CLI (gh) is not on this runner" in errors(out)[0]
    assert action.runs() == [] and nothing_left(action)
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env)   # auto, the default
    assert code == 0, out + err
    lines = [line for line in out.splitlines() if "was not verified (only its SHA-256 was)" in line]
    assert len(lines) == 1 and lines[0].startswith("::warning title=lambda-shift::"), out
    assert not any(line.startswith("::notice") for line in out.splitlines()), out
    assert action.runs() == ["1.2.0 --version", "1.2.0 deploy"]


def test_off_skips_the_check_and_a_bad_value_is_refused(action, host, tmp_path):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, calls = stand_in_gh(tmp_path, "exit 1")
    for ref in ("v1.2.0", "main"):                                # a release or a source build alike
        code, out, err, _ = action.run(ref=ref, extra_env=env, verify="sometimes")
        assert code == 1 and "verify-attestation input is 'sometimes': use auto, required or off" in errors(out)[0], out + err
        assert action.runs() == [] and not action.built_from_source() and nothing_left(action)
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env, verify="off")
    assert code == 0 and "not verified (verify-attestation is off)" in out, out + err
    assert not calls.exists()   # gh never asked


def test_a_source_build_asks_no_attestation(action, host, tmp_path):
    env, calls = stand_in_gh(tmp_path, "exit 1")
    code, out, err, _ = action.run(ref="main", extra_env=env, verify="required")
    assert code == 0, out + err
    assert action.built_from_source() and not calls.exists()
