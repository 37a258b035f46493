"""The Lambda state the twin keeps beside moto's (lambda_semantics.py): per function (keyed by
(region, name)) its RevisionIds, LastUpdateStatus, State, PackageType, SnapStart versions, images,
signatures, dead-letter queues, tenancy and durable config, durable executions, code kept in the user's bucket
(S3ObjectStorageMode REFERENCE) and runtime versions; per alias its
RevisionId and weights; the /_twin/lambda knobs, Invoke scripts and invocation counts; the event source
mappings."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field

from .defaults import DEFAULT_REGION
from .lambda_common import LATEST, control_region, model_enum, new_revision, parse_function_ref

IN_PROGRESS_REASON = "The function is being updated."

# Lambda Developer Guide, "Lambda function states"
# (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html): after CreateFunction the
# state is Pending ("Lambda does not invoke a function during pending state. Any invocations or
# other API actions that operate on the function will fail."), then Active; an Inactive function's
# invocation fails and Lambda sets it Pending until its resources are re-created. The reason
# strings below are the twin's (AWS's exact StateReason texts are not documented); the codes are
# the model's.
PENDING_REASON = "The function is being created."
RESTORING_REASON = "The function is being restored."
INACTIVE_REASON = "The function is inactive."
SNAPSTART_REASON = "Lambda is creating a snapshot of the function version."
# Observed AWS wording (ResourceConflictException on Invoke of a Pending function, e.g.
# remotion-dev/remotion#1186); the brief uses the same text for updates. AWS has also been seen
# answering updates with "The resource <arn> is currently in the following state: 'Pending'.
# StateReasonCode: 'Creating'" (aws/serverless-application-model#2356); the twin uses one text.
STATE_CONFLICT = "The operation cannot be performed at this time. The function is currently in the following state: {state}"


@dataclass(frozen=True)
class ImageCode:
    """The image of an Image function's $LATEST or of one published version."""
    image_uri: str         # as the caller gave it (tag or digest)
    resolved_uri: str      # <registry>/<repository>@sha256:<hex>, what Lambda resolved it to
    digest: str            # sha256:<hex>

    @property
    def code_sha256(self) -> str:
        return self.digest.split(":", 1)[1]


@dataclass(frozen=True)
class ReferencedCode:
    """Code Lambda reads from the user's bucket (S3ObjectStorageMode REFERENCE; lambda_code_storage.py): the
    object version $LATEST or a published version was deployed from, pinned."""
    bucket: str
    key: str
    version_id: str

    def resolved(self) -> dict:
        """GetFunction's Code.ResolvedS3Object (the model's ResolvedS3Object)."""
        return {"S3Bucket": self.bucket, "S3Key": self.key, "S3ObjectVersion": self.version_id}


@dataclass
class VersionState:
    """A published version's State (SnapStart versions start Pending)."""
    state: str = "Active"
    polls_left: int = 0
    reason: str | None = None
    reason_code: str | None = None
    final: tuple[str, str, str] | None = None  # ("Failed", reason, code) when scripted

    def observe(self) -> None:
        if self.state != "Pending":
            return
        if self.polls_left > 0:
            self.polls_left -= 1
            return
        if self.final is not None:
            self.state, self.reason, self.reason_code = self.final
        else:
            self.state, self.reason, self.reason_code = "Active", None, None


@dataclass
class FunctionState:
    revision: str
    region: str = DEFAULT_REGION
    name: str = ""
    arn: str | None = None
    version_revisions: dict[str, str] = field(default_factory=dict)
    status: str = "Successful"
    polls_left: int = 0
    pending_failure: str | None = None
    failure_reason: str | None = None
    pending_failure_code: str | None = None
    failure_code: str | None = None
    # Function State ($LATEST): Pending / Active / Inactive / Failed.
    state: str = "Active"
    state_polls_left: int = 0
    state_reason: str | None = None
    state_reason_code: str | None = None
    package_type: str | None = None       # from moto's configuration, or forced by the control API
    package_type_forced: str | None = None
    snap_start: bool = False              # SnapStart.ApplyOn == PublishedVersions
    versions: dict[str, VersionState] = field(default_factory=dict)
    # Image functions: the image of $LATEST and of each published version (frozen at PublishVersion).
    images: dict[str, ImageCode] = field(default_factory=dict)
    # Signed code: (SigningProfileVersionArn, SigningJobArn) of $LATEST and of each published version.
    signing: dict[str, tuple[str, str]] = field(default_factory=dict)
    # DeadLetterConfig.TargetArn of $LATEST and of each published version (None: no dead-letter queue;
    # a version absent here has none). moto 5.2.1 neither stores nor returns DeadLetterConfig.
    dead_letters: dict[str, str | None] = field(default_factory=dict)
    # TenancyConfig.TenantIsolationMode ("PER_TENANT") and DurableConfig of $LATEST and of each
    # published version (frozen at PublishVersion like the dead-letter queue; a version absent here
    # has none). moto 5.2.1 knows neither.
    tenancy: dict[str, str | None] = field(default_factory=dict)
    durable: dict[str, dict | None] = field(default_factory=dict)
    # Durable executions recorded by the control API (POST /_twin/durable-executions), oldest first.
    durable_executions: list[dict] = field(default_factory=list)
    # LoggingConfig of $LATEST and of each published version, as given (lambda_logs.logging_config_json
    # fills the defaults; a version absent here has the defaults). moto 5.2.1 knows none of it.
    logging: dict[str, dict | None] = field(default_factory=dict)
    # Code deployed with S3ObjectStorageMode REFERENCE: the pinned object of $LATEST and of each published version
    # (absent: Lambda keeps a copy). Lost access, once Lambda has seen it: version → (S3 error code, message).
    code_storage: dict[str, ReferencedCode] = field(default_factory=dict)
    code_lost: dict[str, tuple[str, str]] = field(default_factory=dict)
    # RuntimeVersionConfig set by POST /_twin/runtime-version for $LATEST, frozen into each published version:
    # version → (runtime it was set for, runtime version ARN). Absent: the twin's default ARN for the runtime.
    runtime_versions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def freeze_dead_letter(self, version: str) -> None:
        """A version just published keeps $LATEST's dead-letter queue, tenancy, durable config,
        logging config, code storage and runtime version (an existing one keeps its own)."""
        if version != LATEST and LATEST in self.code_storage:
            self.code_storage.setdefault(version, self.code_storage[LATEST])
            if LATEST in self.code_lost:
                self.code_lost.setdefault(version, self.code_lost[LATEST])
        if version != LATEST and LATEST in self.runtime_versions:
            self.runtime_versions.setdefault(version, self.runtime_versions[LATEST])
        if version != LATEST and version not in self.dead_letters:
            self.dead_letters[version] = self.dead_letters.get(LATEST)
        if version != LATEST and version not in self.tenancy:
            self.tenancy[version] = self.tenancy.get(LATEST)
        if version != LATEST and version not in self.durable:
            durable = self.durable.get(LATEST)
            self.durable[version] = dict(durable) if durable else None
        if version != LATEST and version not in self.logging:
            logging = self.logging.get(LATEST)
            self.logging[version] = dict(logging) if logging else None

    def set_pending(self, polls: int, reason: str, code: str) -> None:
        self.state, self.state_reason, self.state_reason_code = "Pending", reason, code
        self.state_polls_left = polls
        if polls <= 0:
            self._activate()

    def _activate(self) -> None:
        self.state, self.state_reason, self.state_reason_code = "Active", None, None
        self.state_polls_left = 0

    def observe_state(self, consume: bool) -> None:
        if self.state == "Pending" and consume:
            if self.state_polls_left > 0:
                self.state_polls_left -= 1
            else:
                self._activate()

    @property
    def effective_package_type(self) -> str:
        return self.package_type_forced or self.package_type or "Zip"

    @property
    def in_progress(self) -> bool:
        return self.status == "InProgress"

    def start_update(self, polls: int, failure: str | None, failure_code: str | None = None) -> None:
        self.revision = new_revision()
        self.pending_failure = failure
        self.pending_failure_code = failure_code
        if polls <= 0:
            self._finish()
        else:
            self.status = "InProgress"
            self.polls_left = polls

    def _finish(self) -> None:
        if self.pending_failure is not None:
            self.status = "Failed"
            self.failure_reason = self.pending_failure
            self.failure_code = self.pending_failure_code or "InternalError"
        else:
            self.status = "Successful"
            self.failure_reason = None
            self.failure_code = None
        self.pending_failure = None
        self.pending_failure_code = None
        self.polls_left = 0

    def observe(self, consume: bool) -> None:
        """A GetFunction/GetFunctionConfiguration poll of $LATEST."""
        if self.in_progress and consume:
            if self.polls_left > 0:
                self.polls_left -= 1
            else:
                self._finish()

    def apply_status(self, config: dict) -> None:
        for key in ("LastUpdateStatusReason", "LastUpdateStatusReasonCode", "StateReason", "StateReasonCode"):
            config.pop(key, None)
        config["State"] = self.state
        if self.state != "Active":
            config["StateReason"] = self.state_reason or ""
            if self.state_reason_code:
                config["StateReasonCode"] = self.state_reason_code
        config["LastUpdateStatus"] = self.status
        if self.status == "InProgress":
            config["LastUpdateStatusReason"] = IN_PROGRESS_REASON
        elif self.status == "Failed":
            config["LastUpdateStatusReason"] = self.failure_reason or ""
            config["LastUpdateStatusReasonCode"] = self.failure_code or "InternalError"
        if self.package_type_forced:
            config["PackageType"] = self.package_type_forced
        config["SnapStart"] = {"ApplyOn": "PublishedVersions" if self.snap_start else "None",
                               "OptimizationStatus": "Off"}


@dataclass
class AliasState:
    revision: str
    weights: dict[str, float] = field(default_factory=dict)


FnKey = tuple[str, str]  # (region, function name)

# The /_twin/lambda knobs: (API name, attribute, default).
KNOBS = (
    ("updatePolls", "update_polls", 2),
    ("failNextUpdate", "fail_next_update", None),
    ("failNextUpdateCode", "fail_next_update_code", "InternalError"),
    ("pendingPolls", "pending_polls", 0),        # reads of a new (or re-activating) function that say Pending
    ("snapStartPolls", "snapstart_polls", 2),    # reads of a new SnapStart version that say Pending
    ("failNextSnapStart", "fail_next_snapstart", None),
)


def _snapstart_json(value: tuple[str, str] | None) -> dict | None:
    return None if value is None else {"reason": value[0], "reasonCode": value[1]}


class LambdaState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.functions: dict[FnKey, FunctionState] = {}
            self.aliases: dict[tuple[str, str, str], AliasState] = {}     # (region, function, alias)
            self.scripts: dict[tuple[str, str, str], dict] = {}           # (region, function, qualifier or *)
            self.invocations: dict[tuple[str, str, str], int] = {}        # (region, function, version)
            # Invocations that carried a tenant id (X-Amz-Tenant-Id), in order: (region, function) →
            # [{"qualifier", "executedVersion", "tenantId"}].
            self.tenant_invocations: dict[tuple[str, str], list[dict]] = {}
            for _, attr, default in KNOBS:
                setattr(self, attr, default)
            # Knobs set for one function (POST /_twin/lambda with "function"): (region, name) → {attr: value}.
            self.overrides: dict[FnKey, dict] = {}
            # Code signing configs by ARN (each lives in its ARN's region) and which one each
            # function has (PutFunctionCodeSigningConfig / CreateFunction CodeSigningConfigArn).
            self.code_signing_configs: dict[str, dict] = {}
            self.function_csc: dict[FnKey, str] = {}
            self.rng = random.Random()
            # What Invoke writes to CloudWatch Logs (lambda_logs.py), per (region, function, version): the
            # behaviour POST /_twin/lambda-behaviour set, the invocations run so far, the log stream of
            # the current execution environment; per (region, group, stream) the last time stamp written.
            self.behaviours: dict[tuple[str, str, str], dict] = {}
            self.log_invocations: dict[tuple[str, str, str], int] = {}
            self.log_streams: dict[tuple[str, str, str], str] = {}
            self.log_clock: dict[tuple[str, str, str], int] = {}
            # Event source mappings (lambda_event_sources.py) by UUID, each with its region; the counter orders
            # them (ListEventSourceMappings lists in creation order and pages by it).
            self.event_source_mappings: dict[str, dict] = {}
            self.esm_counter = 0

    # Knobs -------------------------------------------------------------------

    def knob(self, key: FnKey, attr: str):
        """A knob's value for one function: its own when set, else the global one."""
        own = self.overrides.get(key)
        if own is not None and attr in own:
            return own[attr]
        return getattr(self, attr)

    def take_update_failure(self, key: FnKey) -> tuple[str, str] | None:
        """The one-shot scripted failure for the next update of this function, if any (its own
        first, else the global one), consumed."""
        own = self.overrides.get(key) or {}
        if own.get("fail_next_update") is not None:
            reason = own.pop("fail_next_update")
            return reason, own.pop("fail_next_update_code", "InternalError")
        if self.fail_next_update is not None:
            taken = (self.fail_next_update, self.fail_next_update_code)
            self.fail_next_update, self.fail_next_update_code = None, "InternalError"
            return taken
        return None

    def take_snapstart_failure(self, key: FnKey) -> tuple[str, str] | None:
        own = self.overrides.get(key) or {}
        if own.get("fail_next_snapstart") is not None:
            return own.pop("fail_next_snapstart")
        taken, self.fail_next_snapstart = self.fail_next_snapstart, None
        return taken

    @staticmethod
    def _parse_knobs(body: dict) -> dict:
        """The knobs a /_twin/lambda body sets, validated: {attr: value}."""
        for key in ("updatePolls", "pendingPolls", "snapStartPolls"):
            if key in body:
                polls = body[key]
                if not isinstance(polls, int) or isinstance(polls, bool) or polls < 0:
                    raise ValueError(f"{key} must be a non-negative integer")
        if "failNextUpdate" in body:
            reason = body["failNextUpdate"]
            if reason is not None and not isinstance(reason, str):
                raise ValueError("failNextUpdate must be a string or null")
        if "failNextUpdateCode" in body and body["failNextUpdateCode"] not in model_enum("LastUpdateStatusReasonCode"):
            raise ValueError("failNextUpdateCode must be one of " + ", ".join(model_enum("LastUpdateStatusReasonCode")))
        snap = body.get("failNextSnapStart")
        if snap is not None:
            if not isinstance(snap, dict) or not isinstance(snap.get("reason"), str):
                raise ValueError('failNextSnapStart must be {"reason": str, "reasonCode"?: str} or null')
            if snap.get("reasonCode", "InternalError") not in model_enum("StateReasonCode"):
                raise ValueError("reasonCode must be one of " + ", ".join(model_enum("StateReasonCode")))
        values: dict = {}
        for api, attr, _ in KNOBS:
            if api in body and api != "failNextSnapStart":
                values[attr] = body[api]
        if "failNextUpdate" in body and "failNextUpdateCode" not in body:
            values["fail_next_update_code"] = "InternalError"
        if "failNextSnapStart" in body:
            values["fail_next_snapstart"] = (None if snap is None
                                             else (snap["reason"], snap.get("reasonCode", "InternalError")))
        return values

    def _knobs_json(self, key: FnKey | None = None) -> dict:
        """The knobs in force (for `key`: that function's effective values)."""
        out = {}
        for api, attr, _ in KNOBS:
            value = getattr(self, attr) if key is None else self.knob(key, attr)
            out[api] = _snapstart_json(value) if attr == "fail_next_snapstart" else value
        return out

    def configure(self, body: dict) -> dict:
        with self.lock:
            function = body.get("function")
            if function is None:
                if "region" in body:
                    raise ValueError("region scopes the knobs of one function: give function as well")
                values = self._parse_knobs(body)
                for attr, value in values.items():
                    setattr(self, attr, value)
                if "seed" in body:
                    self.rng = random.Random(body["seed"])
                answer = self._knobs_json()
                answer["functions"] = [
                    {"function": name, "region": region,
                     **{api: (_snapstart_json(own[attr]) if attr == "fail_next_snapstart" else own[attr])
                        for api, attr, _ in KNOBS if attr in own}}
                    for (region, name), own in sorted(self.overrides.items()) if own]
                return answer
            if not isinstance(function, str) or not function:
                raise ValueError("function must be a function name")
            if "seed" in body:
                raise ValueError("seed (alias weight draws) is global: send it without function")
            region = control_region(body)
            name, _ = parse_function_ref(function)
            values = self._parse_knobs(body)
            own = self.overrides.setdefault((region, name), {})
            for attr, value in values.items():
                if attr in ("fail_next_update", "fail_next_snapstart") and value is None:
                    own.pop(attr, None)  # null clears this function's own one-shot failure
                    if attr == "fail_next_update":
                        own.pop("fail_next_update_code", None)
                else:
                    own[attr] = value
            return {"function": name, "region": region, **self._knobs_json((region, name))}

    # Invoke scripts and counts ---------------------------------------------------

    def script(self, body: dict) -> dict:
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        qualifier = str(body.get("qualifier") or "*")
        payload = body.get("payload")
        if payload is not None and not isinstance(payload, str):
            payload = json.dumps(payload)
        entry = {
            "statusCode": int(body.get("statusCode") or 200),
            "payload": payload,
            "functionError": body.get("functionError"),
        }
        with self.lock:
            self.scripts[(region, name, qualifier)] = entry
        return {"function": name, "region": region, "qualifier": qualifier, **entry}

    def invocation_counts(self, region: str = DEFAULT_REGION) -> dict:
        """{function: {version: count}} for one region; for region "*",
        {region: {function: {version: count}}}."""
        with self.lock:
            out: dict = {}
            for (fn_region, name, version), count in sorted(self.invocations.items()):
                if region == "*":
                    out.setdefault(fn_region, {}).setdefault(name, {})[version] = count
                elif fn_region == region:
                    out.setdefault(name, {})[version] = count
            return out
