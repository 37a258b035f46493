"""Lambda provisioned concurrency, answered by the proxy (moto 5.2.1 implements none of
Put/Get/Delete/ListProvisionedConcurrencyConfig(s)), and the alias rules that come with it.

Sources (README "Rules" names each one with its nature):

- Lambda DG "Configuring provisioned concurrency for a function"
  (https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html; the same text in
  awsdocs/aws-lambda-developer-guide, doc_source/configuration-concurrency.md): "Each version of a
  function can only have one provisioned concurrency configuration. This can be directly on the
  version itself, or on an alias that points to the version. Two aliases can't allocate provisioned
  concurrency for the same version." "Provisioned Concurrency is not supported on the unpublished
  version of the function ($LATEST)"; "you can't allocate provisioned concurrency on an alias that
  points to the unpublished version ($LATEST)". "If you change the version that an alias points to,
  Lambda deallocates the provisioned concurrency from the old version and allocates it to the new
  version. You can add a routing configuration to an alias that has provisioned concurrency. [...]
  Note that you can't manage provisioned concurrency settings on the alias while the routing
  configuration is in place."
- Lambda API reference PutProvisionedConcurrencyConfig (202), GetProvisionedConcurrencyConfig
  (ProvisionedConcurrencyConfigNotFoundException, 404), DeleteProvisionedConcurrencyConfig (204),
  ListProvisionedConcurrencyConfigs, ProvisionedConcurrencyConfigListItem (Status IN_PROGRESS |
  READY | FAILED; StatusReason "For failed allocations, the reason"; Allocated "fluctuates" with a
  weighted alias during linear and canary deployments).
- The exact codes and texts of the refusals are AWS's as recorded by LocalStack's AWS-validated
  snapshot tests (localstack/localstack, tests/aws/services/lambda_/test_lambda_api.py,
  TestLambdaProvisionedConcurrency, and the provider that replays them); "Alias with weights can not
  be used with Provisioned Concurrency" as users report it (hashicorp/terraform#24957,
  aws/serverless-application-model#1296); StatusReason FUNCTION_ERROR_INIT_FAILURE as users report it
  (sst/ion#375, anomalyco/sst#4713, serverless/serverless#7250); "Invalid alias configuration for
  Provisioned Concurrency" as a user library documents it (gradientedge/cdk-utils, ProvisionedConcurrencyProps
  .onVersion): the only source for when it is answered, and it gives no error code.

Allocation is wall-clock asynchronous: IN_PROGRESS for `allocationSeconds` after a Put, and after
every UpdateAlias that changes the routing (primary version or AdditionalVersionWeights) of an alias
with a config; then READY (Allocated = Available = Requested, across every version the config covers)
or FAILED when a covered version is scripted to fail its init (POST /_twin/provisioned-concurrency).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote

from .defaults import ACCOUNT_ID
from .errors import aws_error, new_request_id
from .lambda_semantics import (API, ARN_ELSEWHERE, LATEST, Forward, arn_region, control_function,
                               function_path)
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

DEFAULT_ALLOCATION_SECONDS = 0.3
# StatusReason of an allocation that failed because the code's init failed: the value users see in
# GetProvisionedConcurrencyConfig / the console (sst/ion#375: "status reason: FUNCTION_ERROR_INIT_FAILURE";
# CloudFormation wraps it: "Provisioned Concurrency configuration failed to be applied. Reason:
# FUNCTION_ERROR_INIT_FAILURE", serverless/serverless#7250). Not documented by AWS.
INIT_FAILURE_REASON = "FUNCTION_ERROR_INIT_FAILURE"
# LocalStack's AWS-validated texts (see the module docstring).
PUT_LATEST = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
GET_LATEST = "The function resource provided must be an alias or a published version."
NOT_FOUND = "No Provisioned Concurrency Config found for this function"
ALIAS_ON_PROVISIONED_VERSION = ("Alias can't be used for Provisioned Concurrency configuration on an already "
                                "Provisioned version")
VERSION_UNDER_PROVISIONED_ALIAS = "Version is pointed by a Provisioned Concurrency alias"
# User reports (hashicorp/terraform#24957, aws/serverless-application-model#1296): 400
# InvalidParameterValueException for PutProvisionedConcurrencyConfig on an alias with weights; the DG's
# "you can't manage provisioned concurrency settings on the alias while the routing configuration is in place".
WEIGHTED_ALIAS = "Alias with weights can not be used with Provisioned Concurrency"
# gradientedge/cdk-utils (ProvisionedConcurrencyProps.onVersion, CHANGELOG 2.22): with provisioned
# concurrency on an alias, once the new version's init failed while the alias carried routing weights, "every
# subsequent deploy fails with `Invalid alias configuration for Provisioned Concurrency`" until the weights are
# cleared. No status or code is reported: the twin answers 400 InvalidParameterValueException, the code AWS
# gives the other alias/provisioned-concurrency refusal above.
INVALID_ALIAS_CONFIGURATION = "Invalid alias configuration for Provisioned Concurrency"
# DeleteFunction of a version an alias routes to: 409 ResourceConflictException with this text (AWS's wording
# as client code that handles it quotes it, e.g. "Unable to delete version because the following aliases
# reference it: [live]"; API DeleteFunction lists ResourceConflictException).
VERSION_REFERENCED = "Unable to delete version because the following aliases reference it: [{aliases}]"
PC_OPERATIONS = ("PutProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig",
                 "DeleteProvisionedConcurrencyConfig", "ListProvisionedConcurrencyConfigs")
LIST_MAX_ITEMS = 50  # ListProvisionedConcurrencyConfigs MaxItems: 1-50 (the model)

FnKey = tuple[str, str]


def lambda_time(epoch: float) -> str:
    """Lambda's LastModified form, e.g. 2024-05-01T12:00:00.000+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}+0000"


@dataclass
class Allocation:
    """One provisioned concurrency configuration (on a version or an alias) and its allocation."""
    requested: int
    last_modified: str
    started: float                 # time.monotonic() when the allocation began
    seconds: float                 # how long it stays IN_PROGRESS
    versions: tuple[str, ...]      # the versions it is allocated across (an alias: primary + weighted)
    status: str | None = None      # READY / FAILED once decided (decided at the first look after `seconds`)
    reason: str | None = None

    def observe(self, settings: "Settings", now: float) -> str:
        if self.status is None and now - self.started >= self.seconds:
            failing = [v for v in self.versions if v in settings.fail_versions]
            if failing:
                self.status, self.reason = "FAILED", settings.status_reason
            else:
                self.status, self.reason = "READY", None
        return self.status or "IN_PROGRESS"

    def restart(self, versions: tuple[str, ...], seconds: float) -> None:
        self.versions, self.seconds, self.started = versions, seconds, time.monotonic()
        self.status = self.reason = None


@dataclass
class Settings:
    """Per function (POST /_twin/provisioned-concurrency)."""
    allocation_seconds: float = DEFAULT_ALLOCATION_SECONDS
    fail_versions: set[str] = field(default_factory=set)
    status_reason: str = INIT_FAILURE_REASON


class ConcurrencyState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.configs: dict[tuple[str, str, str], Allocation] = {}  # (region, function, qualifier)
            self.settings: dict[FnKey, Settings] = {}

    def settings_for(self, key: FnKey) -> Settings:
        return self.settings.get(key) or Settings()

    def seed(self, region: str, name: str, qualifier: str, amount, versions: tuple[str, ...]) -> None:
        """/_twin/seed-function's "provisionedConcurrency": as PutProvisionedConcurrencyConfig on a fresh
        function (nothing to conflict with), allocating from now."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise ValueError("provisionedConcurrency.amount must be a positive integer")
        with self.lock:
            self.configs[(region, name, qualifier)] = Allocation(
                amount, lambda_time(time.time()), time.monotonic(),
                self.settings_for((region, name)).allocation_seconds, versions)

    def configure(self, body: dict) -> dict:
        """POST /_twin/provisioned-concurrency."""
        region, name = control_function(body, {"allocationSeconds", "failVersions", "statusReason"})
        with self.lock:
            own = self.settings.setdefault((region, name), Settings())
            if "allocationSeconds" in body:
                seconds = body["allocationSeconds"]
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 3600:
                    raise ValueError("allocationSeconds must be a number of seconds from 0 to 3600")
                own.allocation_seconds = float(seconds)
            if "failVersions" in body:
                versions = body["failVersions"]
                if isinstance(versions, list):
                    versions = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in versions]
                if not isinstance(versions, list) or not all(isinstance(v, str) and v.isdigit() for v in versions):
                    raise ValueError('failVersions must be a list of published version numbers, e.g. ["4"]')
                own.fail_versions = set(versions)
            if "statusReason" in body:
                reason = body["statusReason"]
                if not isinstance(reason, str) or not reason:
                    raise ValueError("statusReason must be a non-empty string")
                own.status_reason = reason
            now = time.monotonic()
            configs = {q: {"status": a.observe(own, now), "versions": list(a.versions), "requested": a.requested}
                       for (r, n, q), a in sorted(self.configs.items()) if (r, n) == (region, name)}
            return {"function": name, "region": region, "allocationSeconds": own.allocation_seconds,
                    "failVersions": sorted(own.fail_versions, key=int), "statusReason": own.status_reason,
                    "configs": configs}


def _err(status: int, code: str, message: str) -> Response:
    return aws_error("rest-json", status, code, message)


def _json(status: int, payload: dict) -> Response:
    return Response(status, [("Content-Type", "application/json"), ("x-amzn-RequestId", new_request_id())],
                    json.dumps(payload).encode())


def _body(resp_or_bytes) -> dict:
    raw = resp_or_bytes.body if isinstance(resp_or_bytes, Response) else resp_or_bytes
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def log_fields(req: ProxyRequest, resp: Response) -> dict:
    """What the request log adds to a provisioned concurrency call: its Qualifier and, for Get and Put,
    the Status the twin answered (pcStatus; null for an error answer)."""
    if req.service != "lambda" or req.operation not in PC_OPERATIONS or req.operation.startswith("List"):
        return {}
    fields = {"qualifier": (parse_qs(req.query).get("Qualifier") or [None])[0]}
    if req.operation != "DeleteProvisionedConcurrencyConfig":
        fields["pcStatus"] = _body(resp).get("Status") if 200 <= resp.status < 300 else None
    return fields


class ConcurrencySemantics:
    """Wraps the Lambda semantics: answers the provisioned concurrency operations, and checks / follows
    UpdateAlias, DeleteAlias and DeleteFunction for what they mean to a configuration."""

    def __init__(self, state: ConcurrencyState, lambda_state, moto: MotoClient) -> None:
        self.state = state
        self.lambda_state = lambda_state  # alias weights the Lambda semantics keep
        self.moto = moto

    def handle(self, req: ProxyRequest, forward: Forward, inner) -> Response:
        found = function_path(req)
        if found is None:
            return inner(req, forward)
        parts, name, path_qualifier = found
        with self.lambda_state.lock, self.state.lock:
            if req.operation in PC_OPERATIONS:
                elsewhere = arn_region(parts[2])
                if elsewhere and elsewhere != req.region:
                    return _err(404, "ResourceNotFoundException",
                                ARN_ELSEWHERE.format(arn_region=elsewhere, region=req.region))
                qualifier = (parse_qs(req.query).get("Qualifier") or [path_qualifier])[0]
                return getattr(self, "_" + req.operation)(req, name, qualifier)
            if req.operation == "UpdateAlias":
                return self._update_alias(req, forward, inner, name, unquote(parts[-1]))
            if req.operation == "DeleteAlias":
                resp = inner(req, forward)
                if 200 <= resp.status < 300:
                    # The alias's configuration goes with it (LocalStack's AWS-validated lifecycle test:
                    # Get on the deleted alias is 404 ResourceNotFoundException, List is empty).
                    self.state.configs.pop((req.region, name, unquote(parts[-1])), None)
                return resp
            if req.operation == "DeleteFunction":
                return self._delete_function(req, forward, inner, name, path_qualifier)
            return inner(req, forward)

    # Look-ups ----------------------------------------------------------------

    def _arn(self, name: str, region: str) -> str:
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"

    def _moto(self, path: str, region: str) -> Response:
        return self.moto.call("GET", API + path, "lambda", region=region)

    def _aliases(self, name: str, region: str) -> dict[str, tuple[str, dict]]:
        """alias name → (primary version, weights) for every alias of the function."""
        resp = self._moto(f"/{quote(name, safe='')}/aliases", region)
        out = {}
        for alias in _body(resp).get("Aliases") or []:
            out[alias["Name"]] = self._routing(name, alias, region)
        return out

    def _routing(self, name: str, alias: dict, region: str) -> tuple[str, dict]:
        kept = self.lambda_state.aliases.get((region, name, alias.get("Name", "")))
        weights = dict(kept.weights) if kept is not None else dict(
            (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})
        return str(alias.get("FunctionVersion")), {str(k): v for k, v in weights.items()}

    def _covered(self, name: str, qualifier: str, region: str) -> tuple[str, ...]:
        """The versions a configuration on `qualifier` is allocated across."""
        if qualifier.isdigit():
            return (qualifier,)
        alias = _body(self._moto(f"/{quote(name, safe='')}/aliases/{quote(qualifier, safe='')}", region))
        primary, weights = self._routing(name, alias, region)
        return tuple([primary] + sorted(k for k in weights if k != primary))

    def _resolve(self, name: str, qualifier: str, region: str) -> Response | None:
        """404 for a missing function, version or alias (LocalStack's AWS-validated texts)."""
        if self._moto(f"/{quote(name, safe='')}/configuration", region).status != 200:
            return _err(404, "ResourceNotFoundException", f"Function not found: {self._arn(name, region)}")
        if qualifier.isdigit():
            if self._moto(f"/{quote(name, safe='')}/configuration?Qualifier={qualifier}", region).status != 200:
                return _err(404, "ResourceNotFoundException",
                            f"Function not found: {self._arn(name, region)}:{qualifier}")
            return None
        found = self._moto(f"/{quote(name, safe='')}/aliases/{quote(qualifier, safe='')}", region)
        if not 200 <= found.status < 300:
            return _err(404, "ResourceNotFoundException", f"Cannot find alias arn: {self._arn(name, region)}:{qualifier}")
        return None

    def _item(self, region: str, name: str, qualifier: str, allocation: Allocation) -> dict:
        status = allocation.observe(self.state.settings_for((region, name)), time.monotonic())
        amount = allocation.requested if status == "READY" else 0
        item = {"RequestedProvisionedConcurrentExecutions": allocation.requested,
                "AvailableProvisionedConcurrentExecutions": amount,
                "AllocatedProvisionedConcurrentExecutions": amount,
                "Status": status, "LastModified": allocation.last_modified}
        if status == "FAILED":
            item["StatusReason"] = allocation.reason or INIT_FAILURE_REASON
        return item

    # The four operations -------------------------------------------------------

    def _PutProvisionedConcurrencyConfig(self, req, name, qualifier) -> Response:
        if not qualifier or qualifier == LATEST:
            return _err(400, "InvalidParameterValueException", PUT_LATEST)
        refusal = self._resolve(name, qualifier, req.region)
        if refusal is not None:
            return refusal
        amount = _body(req.body).get("ProvisionedConcurrentExecutions")
        configs = self.state.configs
        if qualifier.isdigit():
            for alias, (primary, weights) in self._aliases(name, req.region).items():
                if (req.region, name, alias) in configs and (primary == qualifier or qualifier in weights):
                    return _err(409, "ResourceConflictException", VERSION_UNDER_PROVISIONED_ALIAS)
        else:
            primary, weights = self._routing(name, _body(self._moto(
                f"/{quote(name, safe='')}/aliases/{quote(qualifier, safe='')}", req.region)), req.region)
            if primary == LATEST:
                return _err(400, "InvalidParameterValueException", PUT_LATEST)
            if weights:
                return _err(400, "InvalidParameterValueException", WEIGHTED_ALIAS)
            if (req.region, name, primary) in configs:
                return _err(409, "ResourceConflictException", ALIAS_ON_PROVISIONED_VERSION)
            # "Two aliases can't allocate provisioned concurrency for the same version": AWS's text for it is
            # not recorded; the twin answers the alias-on-a-provisioned-version one.
            for other, (other_primary, other_weights) in self._aliases(name, req.region).items():
                if (other != qualifier and (req.region, name, other) in configs
                        and primary in {other_primary, *other_weights}):
                    return _err(409, "ResourceConflictException", ALIAS_ON_PROVISIONED_VERSION)
        settings = self.state.settings_for((req.region, name))
        allocation = Allocation(int(amount), lambda_time(time.time()), time.monotonic(),
                                settings.allocation_seconds, self._covered(name, qualifier, req.region))
        configs[(req.region, name, qualifier)] = allocation
        return _json(202, self._item(req.region, name, qualifier, allocation))

    def _GetProvisionedConcurrencyConfig(self, req, name, qualifier) -> Response:
        if not qualifier or qualifier == LATEST:
            return _err(400, "InvalidParameterValueException", GET_LATEST)
        refusal = self._resolve(name, qualifier, req.region)
        if refusal is not None:
            return refusal
        allocation = self.state.configs.get((req.region, name, qualifier))
        if allocation is None:
            return _err(404, "ProvisionedConcurrencyConfigNotFoundException", NOT_FOUND)
        return _json(200, self._item(req.region, name, qualifier, allocation))

    def _DeleteProvisionedConcurrencyConfig(self, req, name, qualifier) -> Response:
        if not qualifier or qualifier == LATEST:
            return _err(400, "InvalidParameterValueException", GET_LATEST)
        refusal = self._resolve(name, qualifier, req.region)
        if refusal is not None:
            return refusal
        # Deleting where there is no configuration is not an error (LocalStack's AWS-validated test: 204).
        self.state.configs.pop((req.region, name, qualifier), None)
        return Response(204, [("x-amzn-RequestId", new_request_id())])

    def _ListProvisionedConcurrencyConfigs(self, req, name, qualifier) -> Response:
        if self._moto(f"/{quote(name, safe='')}/configuration", req.region).status != 200:
            return _err(404, "ResourceNotFoundException", f"Function not found: {self._arn(name, req.region)}")
        params = parse_qs(req.query)
        items = [dict(FunctionArn=f"{self._arn(name, req.region)}:{q}", **self._item(r, n, q, a))
                 for (r, n, q), a in sorted(self.state.configs.items(), key=lambda kv: kv[0])
                 if (r, n) == (req.region, name)]
        marker = (params.get("Marker") or ["0"])[0]
        start = int(marker) if marker.isdigit() else 0  # the twin's markers: an index into the list
        size = int((params.get("MaxItems") or [str(LIST_MAX_ITEMS)])[0])  # 1-50, the model checked it
        page = items[start:start + size]
        answer = {"ProvisionedConcurrencyConfigs": page}
        if start + size < len(items):
            answer["NextMarker"] = str(start + size)
        return _json(200, answer)

    # What alias and version changes do to a configuration -----------------------

    def _update_alias(self, req, forward, inner, name, alias_name) -> Response:
        key = (req.region, name, alias_name)
        allocation = self.state.configs.get(key)
        if allocation is None:
            return inner(req, forward)
        current = self._moto(f"/{quote(name, safe='')}/aliases/{quote(alias_name, safe='')}", req.region)
        if not 200 <= current.status < 300:
            return inner(req, forward)
        before = self._routing(name, _body(current), req.region)
        body = _body(req.body)
        routing = body.get("RoutingConfig")
        after_weights = (dict((routing or {}).get("AdditionalVersionWeights") or {}) if isinstance(routing, dict)
                         else dict(before[1]))
        status = allocation.observe(self.state.settings_for((req.region, name)), time.monotonic())
        if status == "FAILED" and after_weights:
            # gradientedge/cdk-utils: the allocation failed while the alias routed by weight, and every later
            # update that keeps (or sets) weights is refused until the routing is cleared. An update to one
            # version with AdditionalVersionWeights {} is how the routing is cleared: it is allowed.
            return _err(400, "InvalidParameterValueException", INVALID_ALIAS_CONFIGURATION)
        resp = inner(req, forward)
        if 200 <= resp.status < 300:
            after = self._routing(name, _body(resp), req.region)
            if after[0] != before[0] or after[1] != before[1]:
                # The DG: Lambda deallocates from the old version(s) and allocates to the new one(s).
                allocation.restart(self._covered(name, alias_name, req.region),
                                   self.state.settings_for((req.region, name)).allocation_seconds)
        return resp

    def _delete_function(self, req, forward, inner, name, path_qualifier) -> Response:
        qualifier = (parse_qs(req.query).get("Qualifier") or [path_qualifier])[0]
        if qualifier and qualifier.isdigit():
            referencing = [alias for alias, (primary, weights) in sorted(self._aliases(name, req.region).items())
                           if primary == qualifier or qualifier in weights]
            if referencing:
                return _err(409, "ResourceConflictException", VERSION_REFERENCED.format(aliases=", ".join(referencing)))
        resp = inner(req, forward)
        if 200 <= resp.status < 300:
            for key in [k for k in self.state.configs if k[:2] == (req.region, name)
                        and (not qualifier or k[2] == qualifier)]:
                # A version's own configuration goes with it (no refusal is documented); the whole function
                # takes every configuration with it.
                del self.state.configs[key]
        return resp
