"""Lambda Managed Instances (functions on a capacity provider), as far as the sources allow. moto 5.2.1
knows neither CapacityProviderConfig nor the version states below.

Sources (README "Rules" and "Managed Instances: what is not known"):

- Lambda API reference CapacityProviderConfig / LambdaManagedInstancesCapacityProviderConfig
  (https://docs.aws.amazon.com/lambda/latest/api/API_CapacityProviderConfig.html): FunctionConfiguration's
  CapacityProviderConfig {LambdaManagedInstancesCapacityProviderConfig: {CapacityProviderArn, ...}}.
- botocore's Lambda waiter PublishedVersionActive ("Waits for the published version's State to be Active ...
  This should be used after new version is published": retry on Pending, fail on Failed) and the model's
  State (Pending | Active | ... | ActiveNonInvocable) and StateReasonCode (VcpuLimitExceeded,
  CapacityProviderScalingLimitExceeded, InsufficientCapacity, EC2RequestLimitExceeded, FunctionError.*).
- Lambda DG "Understanding the Lambda Managed Instances execution environment"
  (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html):
  "initialization can take up to 15 minutes".
- A third-party walkthrough (jajera.github.io/aws-lambda-managed-instance-walkthrough, "Publishing, fleet
  readiness, and ACTIVE versions"): Lambda "brings up three execution environments before marking the version
  ACTIVE"; SAM's FunctionScalingConfig (Min/MaxExecutionEnvironments "Default: 3").
- $LATEST reported ActiveNonInvocable: public deploy scripts wait for "Active" or "ActiveNonInvocable" after
  creating such a function (user code, not documented).

Published versions of a function with a capacity provider are Pending (StateReasonCode Creating, the twin's
choice) for `provisionSeconds` of wall time after PublishVersion, then Active, or Failed with a scripted
StateReasonCode; Invoke of a version that is not Active answers 409 as for any Pending / Failed version.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote

from .errors import aws_error
from .lambda_semantics import (API, LATEST, STATE_CONFLICT, Forward, control_function, function_path,
                               model_enum)
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

DEFAULT_PROVISION_SECONDS = 0.3
PENDING_REASON = "Lambda is provisioning execution environments on the capacity provider for this version."
CAPACITY_ARN_PREFIX = "arn:aws:lambda:"
# The StateReasonCodes the model lists for Managed Instances capacity (botocore lambda service-2.json).
CAPACITY_FAILURE_CODES = ("VcpuLimitExceeded", "CapacityProviderScalingLimitExceeded", "InsufficientCapacity",
                          "EC2RequestLimitExceeded")


@dataclass
class Provisioning:
    started: float
    seconds: float
    failure: tuple[str, str] | None  # (StateReasonCode, StateReason)

    def state(self, now: float) -> tuple[str, str | None, str | None]:
        if now - self.started < self.seconds:
            return "Pending", PENDING_REASON, "Creating"
        if self.failure is not None:
            return "Failed", self.failure[1], self.failure[0]
        return "Active", None, None


@dataclass
class CapacityFunction:
    arn: str
    provision_seconds: float = DEFAULT_PROVISION_SECONDS
    fail_next: tuple[str, str] | None = None
    versions: dict[str, Provisioning] = field(default_factory=dict)


class CapacityState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.functions: dict[tuple[str, str], CapacityFunction] = {}

    def attach(self, region: str, name: str, arn) -> None:
        if not isinstance(arn, str) or not arn.startswith(CAPACITY_ARN_PREFIX) or ":capacity-provider:" not in arn:
            raise ValueError("capacityProvider must be a capacity provider ARN "
                             "(arn:aws:lambda:REGION:ACCOUNT:capacity-provider:NAME)")
        with self.lock:
            self.functions[(region, name)] = CapacityFunction(arn)

    def configure(self, body: dict) -> dict:
        """POST /_twin/capacity-provider."""
        region, name = control_function(body, {"capacityProvider", "provisionSeconds", "failNextPublish"})
        with self.lock:
            if "capacityProvider" in body:
                self.attach(region, name, body["capacityProvider"])
            own = self.functions.get((region, name))
            if own is None:
                raise LookupError(f"{name} in {region} has no capacity provider (give capacityProvider)")
            if "provisionSeconds" in body:
                seconds = body["provisionSeconds"]
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 3600:
                    raise ValueError("provisionSeconds must be a number of seconds from 0 to 3600")
                own.provision_seconds = float(seconds)
            if "failNextPublish" in body:
                fail = body["failNextPublish"]
                if fail is None:
                    own.fail_next = None
                else:
                    codes = [c for c in model_enum("StateReasonCode") if c in CAPACITY_FAILURE_CODES
                             or c.startswith("FunctionError")]
                    if (not isinstance(fail, dict) or set(fail) - {"reasonCode", "reason"}
                            or fail.get("reasonCode") not in codes or not isinstance(fail.get("reason", ""), str)):
                        raise ValueError('failNextPublish must be {"reasonCode": one of ' + ", ".join(codes)
                                         + ', "reason"?: str} or null')
                    own.fail_next = (fail["reasonCode"], fail.get("reason") or f"Provisioning failed: {fail['reasonCode']}")
            now = time.monotonic()
            return {"function": name, "region": region, "capacityProvider": own.arn,
                    "provisionSeconds": own.provision_seconds,
                    "failNextPublish": None if own.fail_next is None else
                    {"reasonCode": own.fail_next[0], "reason": own.fail_next[1]},
                    "versions": {v: p.state(now)[0] for v, p in sorted(own.versions.items())}}


def _body(resp: Response) -> dict:
    try:
        value = json.loads(resp.body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class CapacitySemantics:
    """Wraps the Lambda semantics for functions with a capacity provider."""

    def __init__(self, state: CapacityState, lambda_state, moto: MotoClient) -> None:
        self.state = state
        self.lambda_state = lambda_state
        self.moto = moto

    def handle(self, req: ProxyRequest, forward: Forward, inner) -> Response:
        found = function_path(req)
        if found is None:
            return inner(req, forward)
        _, name, path_qualifier = found
        with self.lambda_state.lock, self.state.lock:
            fn = self.state.functions.get((req.region, name))
            if fn is None:
                return inner(req, forward)
            if req.operation == "Invoke":
                refusal = self._invoke_refusal(req, fn, name, path_qualifier)
                if refusal is not None:
                    return refusal
                return inner(req, forward)
            resp = inner(req, forward)
            if not 200 <= resp.status < 300:
                return resp
            if req.operation == "PublishVersion":
                config = _body(resp)
                version = str(config.get("Version", ""))
                if version.isdigit() and version not in fn.versions:
                    fn.versions[version] = Provisioning(time.monotonic(), fn.provision_seconds, fn.fail_next)
                    fn.fail_next = None
                return self._rewrite(resp, fn, lambda b: self._decorate(fn, b))
            if req.operation == "GetFunction":
                return self._rewrite(resp, fn, lambda b: self._decorate(fn, b.get("Configuration") or {}))
            if req.operation in ("GetFunctionConfiguration", "UpdateFunctionCode", "UpdateFunctionConfiguration"):
                return self._rewrite(resp, fn, lambda b: self._decorate(fn, b))
            if req.operation == "ListVersionsByFunction":
                return self._rewrite(resp, fn, lambda b: [self._decorate(fn, c) for c in b.get("Versions") or []])
            if req.operation == "DeleteFunction":
                qualifier = (parse_qs(req.query).get("Qualifier") or [path_qualifier])[0]
                if qualifier:
                    fn.versions.pop(qualifier, None)
                else:
                    self.state.functions.pop((req.region, name), None)
            return resp

    @staticmethod
    def _rewrite(resp: Response, fn: CapacityFunction, change) -> Response:
        body = _body(resp)
        if body:
            change(body)
            resp.body = json.dumps(body).encode()
        return resp

    def _decorate(self, fn: CapacityFunction, config: dict) -> None:
        if not config:
            return
        config["CapacityProviderConfig"] = {"LambdaManagedInstancesCapacityProviderConfig": {"CapacityProviderArn": fn.arn}}
        version = str(config.get("Version", LATEST))
        for key in ("StateReason", "StateReasonCode"):
            config.pop(key, None)
        if version == LATEST:
            # Reported, not documented: $LATEST of a Managed Instances function is ActiveNonInvocable.
            if config.get("State") == "Active":
                config["State"] = "ActiveNonInvocable"
            return
        provisioning = fn.versions.get(version)
        if provisioning is not None:
            state, reason, code = provisioning.state(time.monotonic())
            config["State"] = state
            if reason:
                config["StateReason"], config["StateReasonCode"] = reason, code

    def _invoke_refusal(self, req: ProxyRequest, fn: CapacityFunction, name: str, path_qualifier) -> Response | None:
        qualifier = (parse_qs(req.query).get("Qualifier") or [path_qualifier])[0] or LATEST
        versions = [qualifier]
        if not qualifier.isdigit() and qualifier != LATEST:
            alias = _body(self.moto.call("GET", f"{API}/{quote(name, safe='')}/aliases/{quote(unquote(qualifier), safe='')}",
                                         "lambda", region=req.region))
            kept = self.lambda_state.aliases.get((req.region, name, unquote(qualifier)))
            weights = kept.weights if kept is not None else (alias.get("RoutingConfig") or {}).get(
                "AdditionalVersionWeights") or {}
            versions = [str(alias.get("FunctionVersion", ""))] + [str(v) for v in weights]
        now = time.monotonic()
        for version in versions:
            provisioning = fn.versions.get(version)
            if provisioning is not None:
                state = provisioning.state(now)[0]
                if state != "Active":
                    # As for any version that is not Active (DG "Lambda function states": "Functions can only be
                    # successfully invoked while active"); AWS's answer for Managed Instances is not documented.
                    return aws_error("rest-json", 409, "ResourceConflictException", STATE_CONFLICT.format(state=state))
        return None
