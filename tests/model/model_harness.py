"""The model test's hands: the local AWS twin (twin/README.md; one per session, reset for each
Hypothesis example), boto3 on it for what an operator does by hand, and the lambda-shift binary
run as a CI job would run it (locally, in GitHub Actions or in GitLab CI, with fake tokens in the
environment and every file it writes kept for the secrets scan). Everything is on 127.0.0.1."""

import base64
import contextlib
import hashlib
import io
import json
import os
import pathlib
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile

import boto3
import botocore.config

from model_invariants import Observed, Run
from model_state import ALARM, ALIAS, BUCKET, FUNCTION, parse_description

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("LAMBDA_SHIFT_BIN") or str(ROOT / ".build" / "debug" / "lambda-shift")
REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "AKIDTWINEXAMPLE0001", "twin/Secret+Key/EXAMPLE0001"
# Every secret a run's environment holds; none may reach a stream or a file (model_invariants).
SECRETS = {
    "AWS secret key": SECRET_KEY,
    "GITHUB_TOKEN": "ghs_modelsecret123",
    "OIDC request token": "oidc-model-request-secret-456",
    "GitLab job token": "glcbt-model-secret-789",
}
FLAVOURS = ("local", "github", "gitlab")


class Twin:
    """The twin process (started once) and the calls the model test makes to it."""

    def __init__(self, workdir: pathlib.Path):
        ready = workdir / "twin-ready.json"
        self.log = open(workdir / "twin.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "twin" / "twin.py"), "--ready-file", str(ready), "--parent-pid",
             str(os.getpid())], stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 60
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the twin did not start: " + (workdir / "twin.log").read_text()[-2000:])
            time.sleep(0.1)
        self.endpoint = json.loads(ready.read_text())["endpoint"]
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                        region_name=REGION)
        config = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
        self.lambda_, self.cloudwatch, self.s3, self.invoker, self.sqs = (
            session.client(name, endpoint_url=self.endpoint, config=config)
            for name in ("lambda", "cloudwatch", "s3", "lambda", "sqs"))  # invoker: the traffic thread's own

    def stop(self):
        """Stops the twin by its pid (SIGTERM: it exits within about a second)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def control(self, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.endpoint + path, data=data, method="GET" if body is None else "POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def reset_and_seed(self):
        """Everything back to defaults (`/_twin/reset` resets moto and the proxy's own state: faults,
        revisions, scripted invocations), then the function with its alias on version 1, the
        versioned bucket and the gate alarm in OK."""
        self.control("/_twin/reset", {})
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("index.py", "def handler(event, context):\n    return 'seeded'\n")
        self.control("/_twin/seed-function", {"name": FUNCTION, "handler": "index.handler", "alias": ALIAS,
                                              "zipBase64": base64.b64encode(buffer.getvalue()).decode()})
        # One InProgress poll after each code update, as the demo seeds it (default 2).
        self.control("/_twin/lambda", {"updatePolls": 1})
        self.s3.create_bucket(Bucket=BUCKET)
        self.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        self.cloudwatch.put_metric_alarm(
            AlarmName=ALARM, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")
        self.cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="seeded by the model test")

    def observe(self) -> Observed:
        alias = self.lambda_.get_alias(FunctionName=FUNCTION, Name=ALIAS)
        description = alias.get("Description", "")
        history, record = parse_description(description)
        versions, marker = set(), None
        while True:
            paging = {"Marker": marker} if marker else {}
            page = self.lambda_.list_versions_by_function(FunctionName=FUNCTION, **paging)
            versions |= {v["Version"] for v in page["Versions"] if v["Version"] != "$LATEST"}
            marker = page.get("NextMarker")
            if not marker:
                break
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return Observed(alias["FunctionVersion"], dict(weights), description, history, record, frozenset(versions))

    # What else uses the function's versions (issue 37): event source mappings, provisioned
    # concurrency, durable executions, a preview alias; and what $LATEST's runtime version is.

    def create_event_source_mapping(self, qualifier: str) -> str:
        """A new SQS queue's mapping that invokes `FUNCTION:qualifier` (a version or an alias); its
        UUID. (One queue per mapping: Lambda takes one mapping per queue and function.)"""
        url = self.sqs.create_queue(QueueName=f"model-queue-{len(self.event_source_qualifiers())}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return self.lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName=f"{FUNCTION}:{qualifier}",
                                                        BatchSize=1)["UUID"]

    def event_source_qualifiers(self) -> list:
        """The qualifier each event source mapping of the function names (None: unqualified)."""
        found, marker = [], None
        while True:
            paging = {"Marker": marker} if marker else {}
            page = self.lambda_.list_event_source_mappings(FunctionName=FUNCTION, **paging)
            for mapping in page["EventSourceMappings"]:
                parts = mapping["FunctionArn"].split(":")
                found.append(parts[7] if len(parts) > 7 else None)
            marker = page.get("NextMarker")
            if not marker:
                return found

    def provision(self, qualifier: str):
        self.lambda_.put_provisioned_concurrency_config(FunctionName=FUNCTION, Qualifier=qualifier,
                                                        ProvisionedConcurrentExecutions=1)

    def provisioned_qualifiers(self) -> list:
        configs = self.lambda_.list_provisioned_concurrency_configs(FunctionName=FUNCTION)
        return [c["FunctionArn"].split(":")[7] for c in configs.get("ProvisionedConcurrencyConfigs", [])]

    def make_durable(self):
        """$LATEST and every version published from now on durable (the twin's shortcut)."""
        self.control("/_twin/function-kind", {"function": FUNCTION, "durable": True})

    def start_durable_executions(self, version: str, status: str = "RUNNING"):
        self.control("/_twin/durable-executions", {"function": FUNCTION, "version": version, "running": 1,
                                                    "status": status})

    def create_preview_alias(self, name: str, version: str):
        self.lambda_.create_alias(FunctionName=FUNCTION, Name=name, FunctionVersion=version)

    def alias_names(self) -> list:
        return [a["Name"] for a in self.lambda_.list_aliases(FunctionName=FUNCTION)["Aliases"]]

    def set_runtime_version(self, arn):
        """$LATEST's runtime version from now on (None: the twin's default for the runtime)."""
        self.control("/_twin/runtime-version", {"function": FUNCTION, "runtimeVersionArn": arn})

    def runtime_version(self, qualifier: str = "$LATEST"):
        config = self.lambda_.get_function_configuration(FunctionName=FUNCTION, Qualifier=qualifier)
        return (config.get("RuntimeVersionConfig") or {}).get("RuntimeVersionArn")

    def code_sha256s(self) -> dict:
        """CodeSha256 of $LATEST and of every published version."""
        shas, marker = {}, None
        while True:
            paging = {"Marker": marker} if marker else {}
            page = self.lambda_.list_versions_by_function(FunctionName=FUNCTION, **paging)
            shas.update({v["Version"]: v["CodeSha256"] for v in page["Versions"]})
            marker = page.get("NextMarker")
            if not marker:
                return shas

    def object_versions(self) -> dict:
        """Every object version of the bucket (delete markers left out): {(key, version id):
        {"modified": epoch seconds, "sha": base64 SHA-256 of its bytes}}."""
        found, paging = {}, {}
        while True:
            page = self.s3.list_object_versions(Bucket=BUCKET, **paging)
            for entry in page.get("Versions", []):
                found[(entry["Key"], entry["VersionId"])] = {"modified": entry["LastModified"].timestamp()}
            if not page.get("IsTruncated"):
                break
            paging = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
        for (key, version_id), entry in found.items():
            body = self.s3.get_object(Bucket=BUCKET, Key=key, VersionId=version_id)["Body"].read()
            entry["sha"] = base64.b64encode(hashlib.sha256(body).digest()).decode()
        return found

    def put_object(self, key: str, body: bytes) -> tuple:
        return key, self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]

    def set_alarm(self, state: str):
        """SetAlarmState; returns the epoch milliseconds of the StateUpdate the twin recorded
        (None when the alarm was already in that state: no transition)."""
        before = self.cloudwatch.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateValue"]
        self.cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue=state, StateReason="set by the model test")
        if before == state:
            return None
        items = self.cloudwatch.describe_alarm_history(AlarmName=ALARM, HistoryItemType="StateUpdate",
                                                       ScanBy="TimestampDescending", MaxRecords=1)
        return int(items["AlarmHistoryItems"][0]["Timestamp"].timestamp() * 1000)

    def move_alias(self, version: str):
        """A hand move (the console, Terraform): the alias on `version` alone, description kept."""
        self.lambda_.update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=version,
                                  RoutingConfig={"AdditionalVersionWeights": {}})

    def delete_version(self, version: str):
        self.lambda_.delete_function(FunctionName=FUNCTION, Qualifier=version)

    def fail_invocations(self, version: str):
        """Invoke of `version` answers a function error: its smoke test fails."""
        self.control("/_twin/invoke", {"function": FUNCTION, "qualifier": version, "statusCode": 200,
                                       "payload": json.dumps({"errorMessage": "boom"}), "functionError": "Unhandled"})

    def behave(self, version: str, behaviour: dict):
        """How each invocation of `version` (published or not yet) behaves in the REPORT records
        Invoke writes to the function's log group from now on (/_twin/lambda-behaviour)."""
        self.control("/_twin/lambda-behaviour", {"function": FUNCTION, "version": version, **behaviour})

    @contextlib.contextmanager
    def traffic(self, qualifier: str = ALIAS):
        """Callers while the block runs: Invoke of the alias (or of one version) as fast as the twin
        answers, from a thread with its own client; yields the tally {"calls", "errors"} (complete
        once the block has ended)."""
        tally = {"calls": 0, "errors": 0}
        stop = threading.Event()

        def call():
            while not stop.is_set():
                try:
                    self.invoker.invoke(FunctionName=FUNCTION, Qualifier=qualifier, Payload=b"{}")
                    tally["calls"] += 1
                except Exception:  # a version not published yet is 404; it only shows in the tally
                    tally["errors"] += 1
                    time.sleep(0.05)

        thread = threading.Thread(target=call, name="alias-traffic", daemon=True)
        thread.start()
        try:
            yield tally
        finally:
            stop.set()
            thread.join(timeout=35)

    def refuse_alias_updates(self, refuse: bool):
        """Every UpdateAlias answered 500 (a restore that cannot go through), or none."""
        rules = [{"service": "lambda", "operation": "UpdateAlias", "kind": "server-error"}] if refuse else []
        self.control("/_twin/faults", {"rules": rules})

    def wait_split(self, process: subprocess.Popen, timeout: float = 30) -> bool:
        """Waits until the alias routes to a weighted version (a bake has begun); False if the
        run ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.lambda_.get_alias(FunctionName=FUNCTION, Name=ALIAS).get("RoutingConfig"):
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.05)
        return False


class Runner:
    """Runs the binary as a CI job would, in one flavour (local, github, gitlab), each run with
    its own directory for the files it writes."""

    def __init__(self, twin: Twin, workdir: pathlib.Path, flavour: str):
        self.twin, self.workdir, self.flavour = twin, workdir, flavour
        self.home = workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def environment(self, files: pathlib.Path) -> dict:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home), "LANG": "C.UTF-8",
            "AWS_ENDPOINT_URL": self.twin.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
            "GITHUB_TOKEN": SECRETS["GITHUB_TOKEN"], "ACTIONS_ID_TOKEN_REQUEST_TOKEN": SECRETS["OIDC request token"],
        }
        # Anything but loopback goes through a proxy on a closed port: nothing the binary or a hook
        # sends can leave 127.0.0.1 (curl reads http_proxy in lower case only).
        for name in ("http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            env[name] = "http://127.0.0.1:9"
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        if self.flavour == "github":
            for name in ("output", "summary"):
                (files / name).touch()
            env.update({"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_OUTPUT": str(files / "output"),
                        "GITHUB_STEP_SUMMARY": str(files / "summary"), "GITHUB_REPOSITORY": "octo/model",
                        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REF_NAME": "main",
                        "GITHUB_RUN_ID": "7", "GITHUB_SERVER_URL": "https://github.com"})
        elif self.flavour == "gitlab":
            env.update({"GITLAB_CI": "true", "CI": "true", "CI_PROJECT_DIR": str(files),
                        "CI_JOB_TOKEN": SECRETS["GitLab job token"], "CI_PROJECT_PATH": "octo/model",
                        "CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567", "CI_COMMIT_REF_NAME": "main",
                        "CI_JOB_URL": "https://gitlab.example/octo/model/-/jobs/7"})
        return env

    def files_dir(self) -> pathlib.Path:
        self.count += 1
        files = self.workdir / "runs" / str(self.count)
        files.mkdir(parents=True)
        return files

    def start(self, *args, files: pathlib.Path = None) -> "Started":
        files = files or self.files_dir()
        argv = list(args) + ["--output", "json"]
        process = subprocess.Popen([BINARY, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   cwd=self.workdir, env=self.environment(files))
        return Started(argv, process, files)

    def run(self, *args, files: pathlib.Path = None) -> Run:
        return self.start(*args, files=files).finish()

    def line(self, argv) -> str:
        """The command line, for the failing history Hypothesis prints."""
        return f"[{self.flavour}] lambda-shift " + shlex.join(argv)


class Started:
    """A run in the background (a signal or an alarm arrives during its bake)."""

    def __init__(self, argv, process: subprocess.Popen, files: pathlib.Path):
        self.argv, self.process, self.files = argv, process, files

    def finish(self, timeout: float = 120) -> Run:
        try:
            stdout, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            stdout, stderr = self.process.communicate()
            stderr += f"\n(killed by the model test after {timeout}s)"
        written = {str(path.relative_to(self.files)): path.read_text(errors="replace")
                   for path in sorted(self.files.rglob("*")) if path.is_file()}
        return Run(self.argv, self.process.returncode, stdout, stderr, written)
