"""action/get-lambda-shift.sh, run for real through action/action.yml's own steps.

Each test writes a fresh action tree (the real get-lambda-shift.sh and action.yml; Package.swift,
Sources/ and a stub scripts/release that writes a stub binary and its .sha256, so nothing is built),
points HOME at a temp folder, and runs the action's `run:` steps in order as the runner would
(`bash --noprofile --norc -eo pipefail`), each with its env: as action.yml writes it, its ${{ }}
expressions evaluated from the test's inputs and github context and the earlier steps' outputs
(read from each step's own GITHUB_OUTPUT file). actions/cache is not run: a test that wants a
cache hit puts the files where the cache would. The release host (GITHUB_SERVER_URL) and the API
(GITHUB_API_URL) are one HTTP server on 127.0.0.1, on a free port, started and stopped per test;
the "binaries" it serves are shell scripts that append to a marker file whenever they run, so a
test can tell whether one ever ran."""

import hashlib
import http.server
import json
import os
import pathlib
import platform
import re
import shutil
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
    """An action checkout (tree/action is GITHUB_ACTION_PATH) and a runner's HOME."""

    def __init__(self, tmp_path, host):
        self.tmp, self.host = tmp_path, host
        self.tree = tmp_path / "tree"
        self.home = tmp_path / "home"
        self.marker = tmp_path / "ran"
        self.built = tmp_path / "built"
        (self.tree / "action").mkdir(parents=True)
        (self.tree / "Sources").mkdir()
        (self.tree / "scripts").mkdir()
        self.home.mkdir()
        for name in ("action.yml", "get-lambda-shift.sh"):
            shutil.copy(ROOT / "action" / name, self.tree / "action" / name)
        (self.tree / "Package.swift").write_text("// swift-tools-version: 6.0\n")
        (self.tree / "Sources" / "main.swift").write_text('print("lambda-shift")\n')
        # scripts/release's contract: OUT_DIR/lambda-shift-linux-$(uname -m) and its .sha256.
        release = self.tree / "scripts" / "release"
        release.write_text(f"""#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
out="${{1:-out}}"
echo built >> "{self.built}"
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

    def run(self, version="", ref="", repository=REPOSITORY, until=None, extra_env=None, verify=""):
        """Runs the action's run: steps in order, up to and including the step with id `until`
        (all of them by default), stopping at the first that fails. Returns (returncode,
        stdout, stderr, steps' outputs)."""
        context = {"inputs.lambda-shift-version": version, "inputs.command": "deploy", "inputs.verify-attestation": verify,
                   "github.action_ref": ref,
                   "github.action_repository": repository, "github.token": TOKEN}
        outputs = {}
        stdout, stderr = [], []
        for index, step in enumerate(self.spec["runs"]["steps"]):
            if "run" not in step:
                continue
            env = {"PATH": os.environ["PATH"], "HOME": str(self.home), "GITHUB_SERVER_URL": self.host.url,
                   "GITHUB_API_URL": self.host.url, "GITHUB_ACTION_PATH": str(self.tree / "action")}
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
        return 0, "".join(stdout), "".join(stderr), outputs

    def cache_step(self, outputs):
        """actions/cache's path and key, as the runner would evaluate them after the steps ran."""
        step = next(step for step in self.spec["runs"]["steps"] if step.get("uses", "").startswith("actions/cache@"))
        context = {"runner.os": "Linux", "runner.arch": "X64"}
        return (evaluate(step["with"]["path"], context, outputs).replace("~", str(self.home), 1),
                evaluate(step["with"]["key"], context, outputs))


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


def cache(action):
    return action.home / ".cache" / "lambda-shift"


def errors(stdout):
    return [line for line in stdout.splitlines() if line.startswith("::error")]


def executables(folder):
    return sorted(str(p) for p in folder.rglob("*") if p.is_file() and os.access(p, os.X_OK)) if folder.exists() else []


def test_a_release_with_the_right_sha256_is_installed_under_its_own_name_and_run(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    code, out, err, outputs = action.run(ref="v1.2.0")
    assert code == 0, out + err
    path = cache(action) / f"release-v1.2.0-{ARCH}" / "lambda-shift"
    assert outputs["get"]["path"] == str(path) and os.access(path, os.X_OK)
    assert (path.parent / "lambda-shift.sha256").read_text().split()[0] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "lambda-shift 1.2.0" in out and "ran: deploy" in out, out   # the run step ran the binary it was given
    assert action.runs() == ["1.2.0 --version", "1.2.0 deploy"]
    assert not action.built_from_source()
    assert outputs["resolve"]["version"] == "v1.2.0"
    cache_path, key = action.cache_step(outputs)
    assert cache_path == str(path.parent)
    assert key == f"lambda-shift-Linux-X64-v1.2.0-{outputs['resolve']['source-hash']}" and re.fullmatch(r"[0-9a-f]{16}", outputs["resolve"]["source-hash"])
    # The token goes to the API only (no API call for a full tag), never to the download host.
    assert all(auth is None for _, auth in host.requests), host.requests


def test_a_release_with_a_wrong_sha256_is_refused_deleted_and_never_run(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"), sha256="0" * 64)
    code, out, err, outputs = action.run(ref="v1.2.0")
    assert code == 1, out + err
    assert len(errors(out)) == 1, out
    assert "does not match its published SHA-256" in errors(out)[0] and "deleted without being run" in errors(out)[0]
    assert action.runs() == []                               # never run
    assert executables(action.home) == [] and list(cache(action).rglob("lambda-shift")) == []
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
    assert outputs["get"]["path"] == str(cache(action) / f"release-v1.10.1-{ARCH}" / "lambda-shift")
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
    hash_ = outputs["resolve"]["source-hash"]
    assert outputs["get"]["path"] == str(cache(action) / f"source-{hash_}-{ARCH}" / "lambda-shift")


def test_the_api_failing_is_a_fallback_for_the_default_and_an_error_when_asked_for(action, host):
    host.api_status = 500
    code, out, err, outputs = action.run(ref="v1")
    assert code == 0 and action.built_from_source(), out + err
    assert any(line.startswith("::warning") and "HTTP 500" in line for line in out.splitlines()), out
    code, out, err, outputs = action.run(version="v1")
    assert code == 1 and len(errors(out)) == 1 and "Could not list the releases" in errors(out)[0], out


def test_a_cached_binary_of_another_version_is_not_reused(action, host):
    host.publish("v1.10.1", binary(action.marker, "1.10.1"))
    # What earlier jobs on a self-hosted runner left: the old fixed place, and another release.
    old = cache(action) / "lambda-shift"
    old.parent.mkdir(parents=True)
    old.write_bytes(binary(action.marker, "old"))
    old.chmod(0o755)
    other = cache(action) / f"release-v1.2.0-{ARCH}"
    other.mkdir()
    (other / "lambda-shift").write_bytes(binary(action.marker, "1.2.0"))
    (other / "lambda-shift").chmod(0o755)
    (other / "lambda-shift.sha256").write_text(hashlib.sha256((other / "lambda-shift").read_bytes()).hexdigest() + "  lambda-shift\n")
    code, out, err, outputs = action.run(version="v1.10.1")
    assert code == 0, out + err
    assert outputs["get"]["path"] == str(cache(action) / f"release-v1.10.1-{ARCH}" / "lambda-shift")
    assert action.runs() == ["1.10.1 --version", "1.10.1 deploy"], action.runs()
    assert "from the cache" not in out and len(host.downloads()) == 2  # its .sha256, then the binary


def test_the_same_release_from_the_cache_is_reverified_and_reused_or_fetched_again(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    assert action.run(ref="v1.2.0")[0] == 0
    downloads = len(host.downloads())
    code, out, err, outputs = action.run(ref="v1.2.0")
    assert code == 0 and "lambda-shift from the cache" in out, out + err
    assert len(host.downloads()) == downloads + 1   # the .sha256 only: the binary came from the cache
    # Tampered with since: not run, fetched again.
    cached = cache(action) / f"release-v1.2.0-{ARCH}" / "lambda-shift"
    cached.write_bytes(binary(action.marker, "tampered"))
    code, out, err, outputs = action.run(ref="v1.2.0")
    assert code == 0 and "from the cache" not in out, out + err
    assert "tampered" not in " ".join(action.runs()) and cached.read_bytes() == binary(action.marker, "1.2.0")


@pytest.mark.parametrize("ref,version", [("main", ""), ("0123456789abcdef0123456789abcdef01234567", ""), ("", ""),
                                         ("v1", "source")])
def test_a_branch_a_commit_a_local_action_or_source_builds_from_source(action, host, ref, version):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    code, out, err, outputs = action.run(ref=ref, version=version)
    assert code == 0, out + err
    assert action.built_from_source() and host.requests == []   # no network at all
    hash_ = outputs["resolve"]["source-hash"]
    assert outputs["resolve"]["version"] == "source" and outputs["resolve"]["url"] == ""
    path = cache(action) / f"source-{hash_}-{ARCH}" / "lambda-shift"
    assert outputs["get"]["path"] == str(path) and os.access(path, os.X_OK)
    assert action.runs() == ["source --version", "source deploy"]
    assert action.cache_step(outputs) == (str(path.parent), f"lambda-shift-Linux-X64-source-{hash_}")
    # Built once: the next job with this source takes it from the cache; a change of source builds again.
    action.built.unlink()
    code, out, err, outputs = action.run(ref=ref, version=version)
    assert code == 0 and "lambda-shift from the cache" in out and not action.built_from_source(), out + err
    (action.tree / "Sources" / "main.swift").write_text('print("changed")\n')
    code, out, err, changed = action.run(ref=ref, version=version)
    assert code == 0 and action.built_from_source() and changed["resolve"]["source-hash"] != hash_


@pytest.mark.parametrize("version", ["1.2.3", "latest", "v1.2.3; id", "v1\n::error::injected", "v1%0A::warning::x"])
def test_a_malformed_version_is_refused_in_one_escaped_line(action, host, version):
    code, out, err, outputs = action.run(version=version)
    assert code == 1, out + err
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error title=lambda-shift::The action's lambda-shift-version input is"), out
    assert "\n" not in lines[0] and ("%0A" in lines[0] or "\n" not in version)
    assert host.requests == [] and not action.built_from_source()


def test_the_repository_can_be_overridden_and_must_look_like_one(action, host):
    code, out, err, outputs = action.run(version="v1.2.0", repository="", extra_env={"LAMBDA_SHIFT_REPOSITORY": "evil/../x\n::y"})
    assert code == 1 and len(errors(out)) == 1 and "LAMBDA_SHIFT_REPOSITORY" in errors(out)[0], out
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    code, out, err, outputs = action.run(version="v1.2.0", repository="someone/fork",
                                         extra_env={"LAMBDA_SHIFT_REPOSITORY": REPOSITORY})
    assert code == 0 and outputs["resolve"]["url"].endswith(f"/{REPOSITORY}/releases/download/v1.2.0/{ASSET}"), out + err


def test_a_binary_that_cannot_start_here_says_what_it_needs(action, host):
    """A release built against a newer glibc, or a runner without libcurl: the loader's own
    message as it comes, then one ::error saying what the binary needs, and the step fails."""
    broken = f'#!/bin/sh\necho "broken $*" >> "{action.marker}"\necho "error while loading shared libraries: libcurl.so.4" >&2\nexit 127\n'
    host.publish("v1.2.0", broken.encode())
    code, out, err, outputs = action.run(version="v1.2.0")
    assert code == 1 and "libcurl.so.4" in err, out + err
    assert len(errors(out)) == 1 and "does not start on this runner" in errors(out)[0], out
    assert "path" not in outputs.get("get", {}) and action.runs() == ["broken --version"]


def test_a_release_whose_binary_cannot_be_downloaded_or_a_host_that_does_not_answer_is_an_error(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    del host.files[f"/{REPOSITORY}/releases/download/v1.2.0/{ASSET}"]     # its .sha256 only
    code, out, err, outputs = action.run(version="v1.2.0")
    assert code == 1 and len(errors(out)) == 1 and "Could not download lambda-shift (HTTP 404" in errors(out)[0], out
    assert executables(action.home) == [] and action.runs() == []
    closed = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()                                                     # a port nothing listens on
    code, out, err, outputs = action.run(version="v1.2.0", extra_env={"GITHUB_SERVER_URL": f"http://127.0.0.1:{port}"})
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


def test_a_release_whose_attestation_verifies_is_installed_and_the_check_names_its_signer(action, host, tmp_path):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, calls = stand_in_gh(tmp_path, "exit 0")
    code, out, err, outputs = action.run(ref="v1.2.0", extra_env=env)
    assert code == 0, out + err
    recorded = calls.read_text().splitlines()
    assert len(recorded) == 1, recorded
    token, *arguments = recorded[0].split(" ")
    assert token == TOKEN
    # The download itself, still in its private folder: verified before it is moved or run.
    assert arguments[:2] == ["attestation", "verify"], arguments
    assert re.fullmatch(re.escape(str(cache(action))) + r"/\.get\.[^/]+/lambda-shift", arguments[2]), arguments
    assert arguments[3:] == ["--repo", REPOSITORY, "--signer-workflow", f"{REPOSITORY}/.github/workflows/release.yml"]
    assert f"build provenance verified: attested by {REPOSITORY}/.github/workflows/release.yml" in out
    assert action.runs() == ["1.2.0 --version", "1.2.0 deploy"]


def test_a_refused_attestation_deletes_the_download_and_stops_the_job_before_it_runs(action, host, tmp_path):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, calls = stand_in_gh(tmp_path, "echo 'no attestation matched' >&2; exit 1")
    code, out, err, outputs = action.run(ref="v1.2.0", extra_env=env)
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "is not attested by" in errors(out)[0] and "deleted without being run" in errors(out)[0], out
    assert action.runs() == [] and executables(action.home) == [] and list(cache(action).rglob("lambda-shift")) == []
    assert calls.exists()


def test_a_verification_that_hangs_is_stopped_and_refused(action, host, tmp_path):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, _ = stand_in_gh(tmp_path, "sleep 30")
    env["LAMBDA_SHIFT_ATTESTATION_TIMEOUT"] = "1"
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env)
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "did not finish within 1s" in errors(out)[0], out
    assert action.runs() == [] and list(cache(action).rglob("lambda-shift")) == []


def test_without_gh_auto_says_so_in_a_notice_and_required_stops_the_job(action, host):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env = {"PATH": path_without_gh()}
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env, verify="required")
    assert code == 1, out + err
    assert len(errors(out)) == 1 and "verify-attestation is required, but the GitHub CLI (gh) is not on this runner" in errors(out)[0]
    assert action.runs() == [] and list(cache(action).rglob("lambda-shift")) == []
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env)   # auto, the default
    assert code == 0, out + err
    assert any(line.startswith("::notice") and "was not verified (only its SHA-256 was)" in line for line in out.splitlines()), out
    assert action.runs() == ["1.2.0 --version", "1.2.0 deploy"]


def test_off_skips_the_check_and_a_bad_value_is_refused(action, host, tmp_path):
    host.publish("v1.2.0", binary(action.marker, "1.2.0"))
    env, calls = stand_in_gh(tmp_path, "exit 1")
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env, verify="sometimes")
    assert code == 1 and "verify-attestation input is 'sometimes': use auto, required or off" in errors(out)[0], out + err
    code, out, err, _ = action.run(ref="v1.2.0", extra_env=env, verify="off")
    assert code == 0 and "not verified (verify-attestation is off)" in out, out + err
    assert not calls.exists()   # gh never asked


def test_a_source_build_asks_no_attestation(action, host, tmp_path):
    env, calls = stand_in_gh(tmp_path, "exit 1")
    code, out, err, _ = action.run(ref="main", extra_env=env, verify="required")
    assert code == 0, out + err
    assert action.built_from_source() and not calls.exists()
