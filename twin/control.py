"""The unsigned control API under /_twin/ on the proxy port (see README.md)."""

from __future__ import annotations

import base64
import io
import json
import math
import time
import uuid
import zipfile
from collections import Counter
from urllib.parse import quote, urlencode

from . import ecr_semantics
from .defaults import ACCOUNT_ID, DEFAULT_REGION
from .lambda_web import WebSemantics
from .lambda_semantics import (LATEST, ControlRefusal, LambdaSemantics, control_region, merge_logging_config,
                               parse_durable, parse_logging_config, parse_tenancy)
from .messages import ProxyRequest, Response
from .moto_client import MotoClient
from .signer_semantics import SignerSemantics
from .state import TwinState

LAMBDA_METRICS_NAMESPACE = "AWS/Lambda"
MAX_UNIQUE_VALUES = 150  # PutMetricData: up to 150 unique values per Values array
DATUMS_PER_CALL = 200    # PutMetricData: at most 1000 metrics (and 1 MB) per request
LAMBDA_ROLE_NAME = "twin-lambda-role"
LAMBDA_TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _reply(status: int, payload) -> Response:
    return Response(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


def default_zip(handler: str) -> bytes:
    """A tiny python package whose handler echoes its event."""
    module, _, function = handler.rpartition(".")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        info = zipfile.ZipInfo(f"{module or 'app'}.py", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, f"def {function or 'handler'}(event, context):\n    return event\n")
    return buf.getvalue()


def configure_moto(moto: MotoClient) -> None:
    """Lambda without a docker engine (moto then echoes invokes)."""
    resp = moto.send("POST", "/moto-api/config",
                     [("Content-Type", "application/json")],
                     json.dumps({"lambda": {"use_docker": False}}).encode())
    if not 200 <= resp.status < 300:
        raise RuntimeError(f"moto refused its config: {resp.status} {resp.body[:200]!r}")


class Control:
    def __init__(self, twin: TwinState, moto: MotoClient, lambda_semantics: LambdaSemantics,
                 signer_semantics: SignerSemantics | None = None, web_semantics: WebSemantics | None = None) -> None:
        self.twin = twin
        self.moto = moto
        self.lambda_semantics = lambda_semantics
        self.signer_semantics = signer_semantics or SignerSemantics(twin.signer_state, moto, twin.s3_state)
        self.web_semantics = web_semantics or WebSemantics(twin.web_state, moto)

    def handle(self, req: ProxyRequest) -> Response:
        route = (req.method.upper(), req.path.rstrip("/"))
        handlers = {
            ("GET", "/_twin/health"): lambda b: {"ok": True},
            ("POST", "/_twin/reset"): self.reset,
            ("GET", "/_twin/requests"): lambda b: self.twin.log.entries(),
            ("POST", "/_twin/requests/clear"): self.clear_requests,
            ("POST", "/_twin/credentials"): self.register_credentials,
            ("GET", "/_twin/faults"): lambda b: {"rules": [r.to_json() for r in self.twin.faults.rules()]},
            ("POST", "/_twin/faults"): self.set_faults,
            ("GET", "/_twin/lambda"): lambda b: self.twin.lambda_state.configure({}),
            ("POST", "/_twin/lambda"): self.twin.lambda_state.configure,
            ("POST", "/_twin/invoke"): self.twin.lambda_state.script,
            ("GET", "/_twin/invocations"): lambda b: self.invocations(req),
            ("POST", "/_twin/seed-function"): self.seed_function,
            ("POST", "/_twin/seed-image"): self.seed_image,
            ("POST", "/_twin/function-state"): self.function_state,
            ("POST", "/_twin/function-config"): self.function_config,
            ("POST", "/_twin/function-kind"): self.function_kind,
            ("POST", "/_twin/lambda-behaviour"): self.lambda_behaviour,
            ("POST", "/_twin/runtime-version"): self.runtime_version,
            ("POST", "/_twin/provisioned-concurrency"): self.twin.concurrency_state.configure,
            ("POST", "/_twin/capacity-provider"): self.twin.capacity_state.configure,
            ("POST", "/_twin/durable-executions"): self.durable_executions,
            ("GET", "/_twin/tenant-invocations"): lambda b: self.tenant_invocations(req),
            ("POST", "/_twin/lambda-metrics"): self.lambda_metrics,
            ("POST", "/_twin/signing-profile"): self.signing_profile,
            ("POST", "/_twin/code-signing"): self.code_signing,
            ("GET", "/_twin/signer"): lambda b: self.twin.signer_state.configure({}),
            ("POST", "/_twin/signer"): self.twin.signer_state.configure,
            ("POST", "/_twin/web-function"): self.web_function,
            ("GET", "/_twin/web-function"): lambda b: self.web_function_state(req),
            ("POST", "/_twin/web-endpoint"): self.web_endpoint,
            ("GET", "/_twin/web-behaviour"): lambda b: self.twin.web_state.configure({}),
            ("POST", "/_twin/web-behaviour"): self.twin.web_state.configure,
        }
        handler = handlers.get(route)
        if handler is None:
            return _reply(404, {"message": f"no control route {route[0]} {route[1]}",
                                "routes": sorted(f"{m} {p}" for m, p in handlers)})
        try:
            body = json.loads(req.body) if req.body.strip() else {}
            if not isinstance(body, dict):
                raise ControlError(400, "the body must be a JSON object")
            return _reply(200, handler(body))
        except (ControlError, ControlRefusal) as exc:
            return _reply(exc.status, {"message": str(exc)})
        except LookupError as exc:
            return _reply(404, {"message": str(exc.args[0] if exc.args else exc)})
        except ValueError as exc:  # JSON errors and validation
            return _reply(400, {"message": str(exc)})

    # Handlers ----------------------------------------------------------------

    def reset(self, body: dict) -> dict:
        resp = self.moto.send("POST", "/moto-api/reset", [], b"")
        if not 200 <= resp.status < 300:
            raise ControlError(502, f"moto reset failed: {resp.status}")
        configure_moto(self.moto)
        self.twin.reset()
        return {"reset": True}

    def clear_requests(self, body: dict) -> dict:
        self.twin.log.clear()
        return {"cleared": True}

    def register_credentials(self, body: dict) -> dict:
        akid, secret = body.get("accessKeyId"), body.get("secretAccessKey")
        if not isinstance(akid, str) or not akid or not isinstance(secret, str) or not secret:
            raise ControlError(400, "accessKeyId and secretAccessKey are required strings")
        token = body.get("sessionToken")
        self.twin.keys.register(akid, secret, token if isinstance(token, str) else None)
        return {"accessKeyId": akid, "sessionToken": bool(token)}

    def set_faults(self, body: dict) -> dict:
        rules = self.twin.faults.replace(body)
        return {"rules": [r.to_json() for r in rules]}

    def invocations(self, req: ProxyRequest) -> dict:
        """GET /_twin/invocations[?region=R]: one region's counts (default us-east-1); region=* all."""
        region = req.query_params().get("region") or DEFAULT_REGION
        if region != "*":
            region = control_region({"region": region})
        return self.twin.lambda_state.invocation_counts(region)

    def signing_profile(self, body: dict) -> dict:
        """POST /_twin/signing-profile: PutSigningProfile (platform AWSLambda-SHA384-ECDSA) in `region`."""
        region = control_region(body)
        with self.twin.signer_state.lock:
            return self.signer_semantics.put_profile(body.get("name"), region, body.get("status", "Active"))

    def code_signing(self, body: dict) -> dict:
        """POST /_twin/code-signing: a code signing config attached to a function."""
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.attach_code_signing(body)

    def function_state(self, body: dict) -> dict:
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.set_function_state(body)

    def function_config(self, body: dict) -> dict:
        """POST /_twin/function-config: $LATEST's Role / DeadLetterConfig, settled at once."""
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.set_function_config(body)

    def function_kind(self, body: dict) -> dict:
        """POST /_twin/function-kind: tenant isolation and/or durable execution from now on."""
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.set_function_kind(body)

    def lambda_behaviour(self, body: dict) -> dict:
        """POST /_twin/lambda-behaviour: durations, memory, cold starts, errors and timeouts of one
        version's invocations (what Invoke writes in its log records, lambda_logs.py)."""
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.set_lambda_behaviour(body)

    def runtime_version(self, body: dict) -> dict:
        """POST /_twin/runtime-version: the runtime version ARN $LATEST runs (lambda_code_storage.py)."""
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.set_runtime_version(body)

    def durable_executions(self, body: dict) -> dict:
        """POST /_twin/durable-executions: N durable executions pinned to one version."""
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.record_durable_executions(body)

    def tenant_invocations(self, req: ProxyRequest) -> list:
        """GET /_twin/tenant-invocations?function=NAME[&region=R]: invocations that carried a tenant id."""
        params = req.query_params()
        region = control_region({"region": params.get("region") or DEFAULT_REGION})
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.tenant_invocations(params.get("function"), region)

    def web_function(self, body: dict) -> dict:
        """POST /_twin/web-function: a Lambda web function with Active revisions and one endpoint (lambda_web.py)."""
        with self.twin.web_state.lock:
            return self.web_semantics.seed(body)

    def web_function_state(self, req: ProxyRequest) -> dict:
        """GET /_twin/web-function?name=NAME[&region=R]: its revisions (code SHA-256 each) and endpoints."""
        with self.twin.web_state.lock:
            return self.web_semantics.describe(req.query_params())

    def web_endpoint(self, body: dict) -> dict:
        """POST /_twin/web-endpoint: an endpoint's weights changed by someone else, settled at once."""
        with self.twin.web_state.lock:
            return self.web_semantics.set_endpoint(body)

    def seed_image(self, body: dict) -> dict:
        """A repository (created if missing) and an image in it: one Docker v2 schema 2 manifest
        per architecture, a manifest list over them when there are two; the tag (moved if it
        existed) names the manifest or the list."""
        region = control_region(body)
        return ecr_semantics.seed_image(self.moto, body, region, salt=uuid.uuid4().hex)

    def seed_function(self, body: dict) -> dict:
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise ControlError(400, "name is required")
        region = control_region(body)
        runtime = body.get("runtime") or "python3.12"
        handler = body.get("handler") or "app.handler"
        image_uri = body.get("imageUri")
        tenancy = parse_tenancy(body.get("tenancy"))
        durable = parse_durable(body.get("durable"))
        logging = parse_logging_config(body["loggingConfig"]) if body.get("loggingConfig") is not None else None
        role_arn = self._ensure_role()
        if image_uri is not None:
            architectures = body.get("architectures", ["x86_64"])
            if architectures not in (["x86_64"], ["arm64"]):
                raise ControlError(400, 'architectures must be ["x86_64"] or ["arm64"]')
            image = self.lambda_semantics.resolve_image(image_uri, region)
            if isinstance(image, Response):
                raise ControlError(image.status, json.loads(image.body).get("message", ""))
            payload = {"FunctionName": name, "Role": role_arn, "PackageType": "Image",
                       "Code": {"ImageUri": image.resolved_uri}, "Architectures": architectures,
                       "Description": body.get("description", "")}
        else:
            if "architectures" in body:
                raise ControlError(400, "architectures goes with imageUri")
            zip_bytes = base64.b64decode(body["zipBase64"]) if body.get("zipBase64") else default_zip(handler)
            image = None
            payload = {"FunctionName": name, "Runtime": runtime, "Role": role_arn, "Handler": handler,
                       "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()},
                       "Description": body.get("description", "")}
        state = self.twin.lambda_state
        with state.lock:
            created = self._lambda("POST", "/2015-03-31/functions", payload, region)
            st = self.lambda_semantics.register_created(created, region)
            if image is not None:
                st.images[LATEST] = image
            if body.get("snapStart"):
                # As CreateFunction with SnapStart {"ApplyOn": "PublishedVersions"} (moto ignores it).
                st.snap_start = True
            # As CreateFunction with TenancyConfig / DurableConfig / LoggingConfig (moto ignores them).
            st.tenancy[LATEST] = tenancy
            st.durable[LATEST] = durable
            st.logging[LATEST] = merge_logging_config(None, logging)
            config = self.lambda_semantics.decorate_config(created, consume=False, region=region)
            alias = body.get("alias")
            if alias:
                quoted = quote(name, safe="")
                version = self._lambda("POST", f"/2015-03-31/functions/{quoted}/versions", {}, region)
                if image is not None:
                    st.images[str(version.get("Version", "1"))] = image
                st.freeze_dead_letter(str(version.get("Version", "1")))  # its queue, tenancy, durable, logging config
                self.lambda_semantics.decorate_config(version, consume=False, region=region)
                made = self._lambda("POST", f"/2015-03-31/functions/{quoted}/aliases",
                                    {"Name": alias, "FunctionVersion": str(version.get("Version", "1"))}, region)
                state.aliases.pop((region, name, alias), None)
                self.lambda_semantics.decorate_alias(name, made, region)
            if body.get("capacityProvider") is not None:
                # As CreateFunction with CapacityProviderConfig (moto 5.2.1 ignores it): $LATEST and every
                # version published from now on carry it; versions start Pending (capacity_semantics.py).
                self.twin.capacity_state.attach(region, name, body["capacityProvider"])
            provisioned = body.get("provisionedConcurrency")
            if provisioned is not None:
                # As PutProvisionedConcurrencyConfig on the alias or on version 1 (allocation starts now).
                if not isinstance(provisioned, dict) or set(provisioned) - {"qualifier", "amount"}:
                    raise ControlError(400, 'provisionedConcurrency must be {"qualifier": alias or "1", "amount": N}')
                qualifier = str(provisioned.get("qualifier") or alias or "")
                if not alias or qualifier not in (alias, "1"):
                    raise ControlError(400, "provisionedConcurrency needs alias; its qualifier is the alias or \"1\"")
                self.twin.concurrency_state.seed(region, name, qualifier, provisioned.get("amount"), ("1",))
            return config

    def lambda_metrics(self, body: dict) -> dict:
        """Publish what Lambda would for some invocations of one version (see README, Control API)."""
        function, alias, version = body.get("function"), body.get("alias"), body.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        if not isinstance(function, str) or not function:
            raise ControlError(400, "function is required (a function name)")
        if not isinstance(version, str) or not version:
            raise ControlError(400, "version is required (the executed version, e.g. \"2\")")
        if alias is not None and (not isinstance(alias, str) or not alias):
            raise ControlError(400, "alias must be a non-empty string when given")
        region = control_region(body)
        now = time.time()
        timestamp = body.get("timestamp", now)
        if not _number(timestamp):
            raise ControlError(400, "timestamp must be epoch seconds")
        # PutMetricData accepts time stamps up to two weeks back and two hours ahead.
        if not now - 14 * 86400 <= timestamp <= now + 7200:
            raise ControlError(400, "timestamp must be within the last two weeks and the next two hours "
                                    "(what PutMetricData accepts)")
        durations = body.get("durations") or []
        if not isinstance(durations, list) or not all(_number(d) and d >= 0 for d in durations):
            raise ControlError(400, "durations must be a list of non-negative numbers (milliseconds)")
        invocations = body.get("invocations", len(durations))
        errors, throttles = body.get("errors", 0), body.get("throttles", 0)
        for name, value in (("invocations", invocations), ("errors", errors), ("throttles", throttles)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ControlError(400, f"{name} must be a non-negative integer")
        if durations and len(durations) != invocations:
            raise ControlError(400, f"durations must hold one value per invocation ({invocations}) or be omitted")
        if errors > invocations:
            raise ControlError(400, "errors cannot exceed invocations")
        zeros = body.get("zeroSamples", True)
        if not isinstance(zeros, bool):
            raise ControlError(400, "zeroSamples must be true or false")

        if alias:
            resource = [{"Name": "FunctionName", "Value": function},
                        {"Name": "Resource", "Value": f"{function}:{alias}"}]
            dimension_sets = [resource + [{"Name": "ExecutedVersion", "Value": version}], resource]
        else:
            dimension_sets = [[{"Name": "FunctionName", "Value": function},
                               {"Name": "Resource", "Value": f"{function}:{version}"}]]
        dimension_sets += [[{"Name": "FunctionName", "Value": function}], []]
        samples = {
            "Invocations": ("Count", {1.0: invocations}),
            "Errors": ("Count", {1.0: errors, 0.0: (invocations - errors) if zeros else 0}),
            "Throttles": ("Count", {1.0: throttles, 0.0: invocations if zeros else 0}),
            "Duration": ("Milliseconds", Counter(float(d) for d in durations)),
        }
        datums = []
        for metric, (unit, counts) in samples.items():
            pairs = [(v, c) for v, c in sorted(counts.items()) if c > 0]
            for i in range(0, len(pairs), MAX_UNIQUE_VALUES):
                chunk = pairs[i:i + MAX_UNIQUE_VALUES]
                for dims in dimension_sets:
                    datums.append({"MetricName": metric, "Dimensions": dims, "Timestamp": timestamp,
                                   "Unit": unit, "Values": [v for v, _ in chunk],
                                   "Counts": [float(c) for _, c in chunk]})
        for i in range(0, len(datums), DATUMS_PER_CALL):
            payload = {"Namespace": LAMBDA_METRICS_NAMESPACE, "MetricData": datums[i:i + DATUMS_PER_CALL]}
            resp = self.moto.call("POST", "/", "monitoring", json.dumps(payload).encode(),
                                  "application/x-amz-json-1.0", region=region,
                                  extra_headers=[("X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData"),
                                                 ("x-amzn-query-mode", "true")])
            if not 200 <= resp.status < 300:
                raise ControlError(502, f"moto PutMetricData: {resp.status} {resp.body[:300]!r}")
        return {
            "namespace": LAMBDA_METRICS_NAMESPACE, "region": region, "timestamp": timestamp,
            "dimensions": dimension_sets,
            "published": {metric: {"sampleCount": sum(counts.values()),
                                   "sum": float(sum(v * c for v, c in counts.items()))}
                          for metric, (_, counts) in samples.items()},
        }

    # Helpers -----------------------------------------------------------------

    def _lambda(self, method: str, path: str, payload: dict, region: str) -> dict:
        resp = self.moto.call(method, path, "lambda", json.dumps(payload).encode(), "application/json",
                              region=region)
        if not 200 <= resp.status < 300:
            raise ControlError(resp.status, f"moto {method} {path}: {resp.body.decode('utf-8', 'replace')}")
        return json.loads(resp.body)

    def _ensure_role(self) -> str:
        form = urlencode({"Action": "CreateRole", "Version": "2010-05-08", "RoleName": LAMBDA_ROLE_NAME,
                          "AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY})
        resp = self.moto.call("POST", "/", "iam", form.encode(),
                              "application/x-www-form-urlencoded; charset=utf-8")
        if resp.status not in (200, 409):
            raise ControlError(502, f"moto CreateRole: {resp.status} {resp.body[:300]!r}")
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{LAMBDA_ROLE_NAME}"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
