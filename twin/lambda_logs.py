"""What Lambda writes to CloudWatch Logs for each invocation (part of LambdaSemantics,
lambda_semantics.py): the function's LoggingConfig (moto 5.2.1 neither keeps nor returns it), the
per-version behaviour set by POST /_twin/lambda-behaviour, and the records Invoke writes.

Sources:
- Lambda API reference, LoggingConfig (https://docs.aws.amazon.com/lambda/latest/dg/API_LoggingConfig.html):
  LogFormat Text | JSON, ApplicationLogLevel, SystemLogLevel, LogGroup ("By default, Lambda functions
  send logs to a default log group named /aws/lambda/<function name>"); FunctionConfiguration
  carries it, CreateFunction and UpdateFunctionConfiguration set it.
- Lambda DG "Configuring JSON and plain text log formats"
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html): the format
  applies to the system logs (START / END / REPORT, or platform.* records); plain text is the default.
- Lambda DG "Log-level filtering" (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html):
  levels need the JSON format; "By default, Lambda sets your system log level to INFO. With this
  setting, Lambda automatically sends "start" and "report" log messages to CloudWatch"; the
  default application log level is INFO.
- Lambda DG "Sending Lambda function logs to CloudWatch Logs" / "Lambda log groups"
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html) and the
  Lambda Operator Guide "How CloudWatch structures logs": a log stream per execution environment,
  named YYYY/MM/DD/[Function version][Execution environment GUID]; "Each time an execution environment
  is reaped and a new environment is created in response to an invocation, this generates a new log
  stream"; the START, END and REPORT lines of every invocation.
- Lambda DG "Log and monitor Python Lambda functions" / "... Node.js ..."
  (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html, nodejs-logging.html): the REPORT
  line's fields, tab-separated (RequestId, Duration, Billed Duration, Memory Size, Max Memory Used, Init
  Duration "for the first request served"), and the get-log-events example whose messages end with a
  newline ("START RequestId: … Version: $LATEST\n", "REPORT RequestId: …\tMax Memory Used: 75 MB\t\n").
  Billed Duration is the duration rounded up to the millisecond, as in those examples. (Since
  August 2025 AWS also bills the INIT phase of on-demand zip functions, AWS Compute Blog "AWS Lambda
  standardizes billing for INIT Phase"; whether the REPORT line's Billed Duration of a cold start now
  adds the Init Duration is not documented, and the twin keeps the documented examples' rule.)
- Lambda DG "Lambda Telemetry API Event schema reference"
  (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html): the JSON records
  `{"time", "type": "platform.start", "record": {"requestId", "version"}}` and
  `{"time", "type": "platform.report", "record": {"requestId", "metrics": {"durationMs",
  "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB", "initDurationMs"?}, "status", "errorType"?}}`;
  Status success | error | failure | timeout (the schema's Status object and AWS's own telemetry
  types, awslabs/aws-lambda-rust-runtime lambda-extension/src/telemetry.rs); "If the status is either
  failure or error, then the Status object also contains an errorType field".
- Timeouts: the text log line "<time> <request id> Task timed out after 3.00 seconds" (as Lambda writes
  it, e.g. apex/up#663; Datadog's Lambda extension rebuilds the same line from platform.report with
  status timeout) and Invoke's function error `{"errorType": "Sandbox.Timedout", "errorMessage":
  "RequestId: <id> Error: Task timed out after 3.00 seconds"}`.
- The text REPORT line's status fields, `Status: timeout` and `Status: error\tError Type: <type>`, are
  not in the developer guide; they are what Lambda writes today as users report it (e.g.
  nishidemasami/contactform-api#29: "…\tMax Memory Used: 10 MB\tStatus: error\tError Type:
  Runtime.InvalidEntrypoint"). Which Error Type Lambda gives an ordinary unhandled function error is
  not documented: the twin says `Runtime.Unknown`, in the text line and the JSON record alike.

Not modelled: concurrent execution environments (one per version, invocations run one after the
other), provisioned-concurrency or SnapStart environments (their REPORT has no Init Duration), the
re-initialisation after a timeout, application log lines, log-level filtering of system logs
(ApplicationLogLevel / SystemLogLevel are kept and returned, not applied), platform.initStart /
platform.runtimeDone records (DEBUG level).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import random
import re
import time
import uuid

from . import logs_semantics
from .lambda_common import LATEST, control_function, model_enum

LOG_FORMATS = ("Text", "JSON")
LOG_GROUP = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")  # the model's LogGroup pattern and length
DEFAULT_LEVEL = "INFO"  # the documented default application and system log levels (JSON format only)
# Which Error Type the twin gives an unhandled function error (see above).
FUNCTION_ERROR_TYPE = "Runtime.Unknown"
TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"
TAIL_BYTES = 4096  # Invoke LogType Tail: "the last 4 KB of the execution log"

BEHAVIOUR_FIELDS = ("durationMs", "jitterMs", "memorySizeMb", "maxMemoryUsedMb", "initDurationMs",
                    "coldStartEvery", "errorEvery", "timeoutEvery")
DEFAULT_BEHAVIOUR = {"durationMs": 2.0, "jitterMs": 0.0, "memorySizeMb": None, "maxMemoryUsedMb": 40,
                     "initDurationMs": 150.0, "coldStartEvery": 0, "errorEvery": 0, "timeoutEvery": 0}
MEMORY_RANGE = (128, 32768)   # the model's MemorySize range
MIN_DURATION_MS = 0.01


def default_log_group(name: str) -> str:
    return f"/aws/lambda/{name}"


# LoggingConfig -----------------------------------------------------------------------------------

def parse_logging_config(value, where: str = "loggingConfig") -> dict:
    """A control body's LoggingConfig: {"LogFormat"?: Text|JSON, "LogGroup"?, "ApplicationLogLevel"?,
    "SystemLogLevel"?} with the model's enums and LogGroup pattern (ValueError otherwise)."""
    if not isinstance(value, dict):
        raise ValueError(f'{where} must be an object such as {{"LogFormat": "JSON", "LogGroup": "/custom/group"}}')
    unknown = sorted(set(value) - {"LogFormat", "LogGroup", "ApplicationLogLevel", "SystemLogLevel"})
    if unknown:
        raise ValueError(f"unknown field(s) in {where}: " + ", ".join(unknown))
    if "LogFormat" in value and value["LogFormat"] not in LOG_FORMATS:
        raise ValueError(f"{where}.LogFormat must be Text or JSON")
    if "LogGroup" in value and (not isinstance(value["LogGroup"], str) or not LOG_GROUP.match(value["LogGroup"])):
        raise ValueError(f"{where}.LogGroup must be a log group name (1-512 of [.-_/#A-Za-z0-9])")
    for key, shape in (("ApplicationLogLevel", "ApplicationLogLevel"), ("SystemLogLevel", "SystemLogLevel")):
        if key in value and value[key] not in model_enum(shape):
            raise ValueError(f"{where}.{key} must be one of " + ", ".join(model_enum(shape)))
    return dict(value)


def merge_logging_config(current: dict | None, given) -> dict | None:
    """$LATEST's LoggingConfig after CreateFunction / UpdateFunctionConfiguration gave `given`: the
    members given replace the ones kept (a member not given keeps its value: the twin's reading, the
    API reference does not say). Levels belong to the JSON format ("To use log-level filtering, your
    function must be configured to use the JSON log format"): with Text they are dropped."""
    if not isinstance(given, dict):
        return current
    merged = {**(current or {}), **{k: v for k, v in given.items() if v is not None}}
    if merged.get("LogFormat", "Text") != "JSON":
        merged.pop("ApplicationLogLevel", None)
        merged.pop("SystemLogLevel", None)
    return merged


def logging_config_json(stored: dict | None, name: str) -> dict:
    """FunctionConfiguration.LoggingConfig: the format (Text by default), the levels with JSON
    (INFO by default), the log group (/aws/lambda/<name> by default)."""
    stored = stored or {}
    out = {"LogFormat": stored.get("LogFormat") or "Text"}
    if out["LogFormat"] == "JSON":
        out["ApplicationLogLevel"] = stored.get("ApplicationLogLevel") or DEFAULT_LEVEL
        out["SystemLogLevel"] = stored.get("SystemLogLevel") or DEFAULT_LEVEL
    out["LogGroup"] = stored.get("LogGroup") or default_log_group(name)
    return out


# Behaviour -----------------------------------------------------------------------------------------

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_behaviour(body: dict) -> tuple[str, str, str, dict]:
    """(region, function, version, behaviour) of a POST /_twin/lambda-behaviour body (ValueError for a
    bad or unknown field); fields not given take their defaults."""
    region, name = control_function(body, {"version", *BEHAVIOUR_FIELDS})
    version = body.get("version")
    if _is_int(version) and version >= 1:
        version = str(version)
    if not isinstance(version, str) or not (version == LATEST or re.fullmatch(r"[1-9][0-9]*", version)):
        raise ValueError('version is required: a published version number ("2" or 2) or "$LATEST"')
    if "durationMs" not in body:
        raise ValueError("durationMs is required (the base duration of an invocation, in milliseconds)")
    behaviour = dict(DEFAULT_BEHAVIOUR)
    for key in ("durationMs", "jitterMs", "initDurationMs"):
        if key in body:
            if not _is_number(body[key]) or body[key] < 0:
                raise ValueError(f"{key} must be a non-negative number of milliseconds")
            behaviour[key] = float(body[key])
    for key in ("memorySizeMb", "maxMemoryUsedMb"):
        if key in body and body[key] is not None:
            if not _is_int(body[key]) or not 1 <= body[key] <= MEMORY_RANGE[1]:
                raise ValueError(f"{key} must be an integer number of MB (1-{MEMORY_RANGE[1]})")
            behaviour[key] = body[key]
    if behaviour["memorySizeMb"] is not None and behaviour["memorySizeMb"] < MEMORY_RANGE[0]:
        raise ValueError(f"memorySizeMb must be {MEMORY_RANGE[0]}-{MEMORY_RANGE[1]} (the model's MemorySize range)")
    for key in ("coldStartEvery", "errorEvery", "timeoutEvery"):
        if key in body:
            if not _is_int(body[key]) or body[key] < 0:
                raise ValueError(f"{key} must be a non-negative integer (0: never)")
            behaviour[key] = body[key]
    return region, name, version, behaviour


def _every(n: int, every: int) -> bool:
    return every > 0 and n % every == 0


def invocation_duration(behaviour: dict, function: str, version: str, n: int) -> float:
    """durationMs + a uniform draw in [-jitterMs, +jitterMs], seeded from (function, version, n), so a
    run is reproducible; never below 0.01 ms; rounded to the hundredth Lambda reports."""
    jitter = behaviour["jitterMs"]
    draw = random.Random(f"{function}|{version}|{n}").uniform(-jitter, jitter) if jitter else 0.0
    return round(max(MIN_DURATION_MS, behaviour["durationMs"] + draw), 2)


def iso_time(ms: int) -> str:
    """2022-10-12T00:01:15.000Z (what the records' "time" and the timeout line carry)."""
    moment = _dt.datetime.fromtimestamp(ms / 1000.0, tz=_dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def new_stream_name(version: str, ms: int) -> str:
    """YYYY/MM/DD/[VERSION]<32 hex>: the environment's creation date, the version, a new GUID."""
    day = _dt.datetime.fromtimestamp(ms / 1000.0, tz=_dt.timezone.utc).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{uuid.uuid4().hex}"


def text_records(o: dict, ts: int) -> list[str]:
    """The plain-text system log lines of one invocation (each ends with a newline, as Lambda's do)."""
    rid = o["requestId"]
    lines = [f"START RequestId: {rid} Version: {o['version']}\n"]
    if o["status"] == "timeout":
        lines.append(f"{iso_time(ts)} {rid} Task timed out after {o['timeoutSeconds']:.2f} seconds\n")
    lines.append(f"END RequestId: {rid}\n")
    report = (f"REPORT RequestId: {rid}\tDuration: {o['durationMs']:.2f} ms\tBilled Duration: {o['billedDurationMs']} ms\t"
              f"Memory Size: {o['memorySizeMB']} MB\tMax Memory Used: {o['maxMemoryUsedMB']} MB\t")
    if o.get("initDurationMs") is not None:
        report += f"Init Duration: {o['initDurationMs']:.2f} ms\t"
    if o["status"] == "timeout":
        report += "Status: timeout\t"
    elif o["status"] == "error":
        report += f"Status: error\tError Type: {o['errorType']}\t"
    lines.append(report + "\n")
    return lines


def json_records(o: dict, ts: int) -> list[str]:
    """The JSON system log records of one invocation at the default system log level (INFO):
    platform.start and platform.report."""
    when = iso_time(ts)
    metrics = {"durationMs": o["durationMs"], "billedDurationMs": o["billedDurationMs"],
               "memorySizeMB": o["memorySizeMB"], "maxMemoryUsedMB": o["maxMemoryUsedMB"]}
    if o.get("initDurationMs") is not None:
        metrics["initDurationMs"] = o["initDurationMs"]
    report = {"requestId": o["requestId"], "metrics": metrics, "status": o["status"]}
    if o["status"] in ("error", "failure"):
        report["errorType"] = o["errorType"]
    return [json.dumps({"time": when, "type": "platform.start",
                        "record": {"requestId": o["requestId"], "version": o["version"]}}, separators=(",", ":")),
            json.dumps({"time": when, "type": "platform.report", "record": report}, separators=(",", ":"))]


class LogsMixin:
    """LambdaSemantics's log writing and its control route (self.state: LambdaState, self.moto;
    _function_state comes from FunctionsMixin)."""

    def set_lambda_behaviour(self, body: dict) -> dict:
        """POST /_twin/lambda-behaviour: how each invocation of one version behaves from now on (what
        its REPORT says, which are cold starts, errors and timeouts)."""
        region, name, version, behaviour = parse_behaviour(body)
        if self._function_state(name, region) is None:
            raise LookupError(f"no function {name} in {region}")
        self.state.behaviours[(region, name, version)] = behaviour
        return {"function": name, "region": region, "version": version, **behaviour,
                "invocations": self.state.log_invocations.get((region, name, version), 0)}

    def _run_invocation(self, region: str, name: str, version: str, config: dict, request_id: str,
                        function_error: bool) -> dict:
        """One invocation of `version` as Lambda would run it: its outcome (duration, memory, cold
        start, status) and the records it writes into the function's log group (errors writing them
        are warned about on stderr, never raised). `config` is the version's FunctionConfiguration."""
        key = (region, name, version)
        n = self.state.log_invocations.get(key, 0) + 1
        self.state.log_invocations[key] = n
        behaviour = self.state.behaviours.get(key) or DEFAULT_BEHAVIOUR
        now = int(time.time() * 1000)
        stream = self.state.log_streams.get(key)
        cold = stream is None or _every(n, behaviour["coldStartEvery"])
        if cold:
            stream = new_stream_name(version, now)
            self.state.log_streams[key] = stream
        timeout_seconds = float(config.get("Timeout") or 3)
        status, error_type = "success", None
        duration = invocation_duration(behaviour, name, version, n)
        if _every(n, behaviour["timeoutEvery"]):
            status, error_type = "timeout", TIMEOUT_ERROR_TYPE
            duration = round(timeout_seconds * 1000.0, 2)
        elif _every(n, behaviour["errorEvery"]) or function_error:
            status, error_type = "error", FUNCTION_ERROR_TYPE
        outcome = {
            "requestId": request_id, "version": version, "status": status, "errorType": error_type,
            "durationMs": duration, "billedDurationMs": max(1, math.ceil(duration)),
            "memorySizeMB": behaviour["memorySizeMb"] or int(config.get("MemorySize") or 128),
            "maxMemoryUsedMB": behaviour["maxMemoryUsedMb"],
            "initDurationMs": round(behaviour["initDurationMs"], 2) if cold else None,
            "timeoutSeconds": timeout_seconds, "invocation": n, "coldStart": cold,
            "logStreamName": stream,
        }
        st = self.state.functions.get((region, name))
        logging = logging_config_json(st.logging.get(version) if st else None, name)
        last = self.state.log_clock.get((region, logging["LogGroup"], stream), 0)
        ts = max(now, last)  # the events of one stream never go back in time
        self.state.log_clock[(region, logging["LogGroup"], stream)] = ts
        records = json_records(outcome, ts) if logging["LogFormat"] == "JSON" else text_records(outcome, ts)
        outcome["logGroupName"], outcome["records"] = logging["LogGroup"], records
        try:
            problem = logs_semantics.put_events(self.moto, region, logging["LogGroup"], stream,
                                                [(ts, record) for record in records])
        except Exception as exc:  # noqa: BLE001 - writing logs must never make Invoke fail
            problem = f"{type(exc).__name__}: {exc}"
        if problem is not None:
            logs_semantics.warn(f"Invoke {name}:{version} in {region}: its log records were not written ({problem})")
        return outcome

    @staticmethod
    def tail_log(outcome: dict) -> str:
        """Invoke's X-Amz-Log-Result (LogType Tail): the invocation's records, the last 4 KB."""
        text = "".join(r if r.endswith("\n") else r + "\n" for r in outcome["records"]).encode()
        return text[-TAIL_BYTES:].decode("utf-8", "ignore")

    def forget_environment(self, region: str, name: str, version: str | None = None) -> None:
        """A new environment for the next invocation (after an update of $LATEST), or for every version
        of a deleted function (version None): the next invocation is a cold start in a new stream."""
        for key in [k for k in self.state.log_streams if k[:2] == (region, name) and (version is None or k[2] == version)]:
            del self.state.log_streams[key]
