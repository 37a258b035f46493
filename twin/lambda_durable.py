"""Lambda durable functions (part of LambdaSemantics, lambda_semantics.py): DurableConfig as the
control API gives it, durable executions recorded by POST /_twin/durable-executions, and
ListDurableExecutionsByFunction (moto 5.2.1 has no such operation)."""

from __future__ import annotations

import base64
import re
import time
import uuid
from urllib.parse import parse_qs, quote

from .errors import new_request_id
from .lambda_common import LATEST, _err, _json_body, _with_json, control_region, model_enum, parse_function_ref
from .messages import Response

# DurableConfig for "durable": true: the Lambda DG's example ExecutionTimeout (3600 s) and the documented
# default retention (14 days; "Configure Lambda durable functions",
# https://docs.aws.amazon.com/lambda/latest/dg/durable-configuration.html).
DEFAULT_DURABLE_CONFIG = {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 14}
DURABLE_LIMITS = {"ExecutionTimeout": (1, 31622400), "RetentionPeriodInDays": (1, 90)}  # the model's ranges
DURABLE_LIST_DEFAULT = 100  # ListDurableExecutionsByFunction MaxItems: "Default is 100."
DURABLE_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")  # the model's DurableExecutionName


def parse_durable(value) -> dict | None:
    """A control body's "durable": true (DEFAULT_DURABLE_CONFIG), false / null (none), or a DurableConfig
    {"ExecutionTimeout"?, "RetentionPeriodInDays"?} within the model's ranges."""
    if value is None or value is False:
        return None
    if value is True:
        return dict(DEFAULT_DURABLE_CONFIG)
    if not isinstance(value, dict) or not value or set(value) - set(DURABLE_LIMITS):
        raise ValueError('durable must be true, false, null or {"ExecutionTimeout"?: s, "RetentionPeriodInDays"?: d}')
    for key, (low, high) in DURABLE_LIMITS.items():
        if key in value:
            number = value[key]
            if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
                raise ValueError(f"durable.{key} must be an integer from {low} to {high}")
    return dict(value)


def _public_execution(execution: dict) -> dict:
    """An Execution as ListDurableExecutionsByFunction answers it (the model's members)."""
    return {k: v for k, v in execution.items() if not k.startswith("_")}


def _query_time(value: str | None) -> float | None:
    """A querystring timestamp (botocore sends ISO 8601; epoch seconds accepted too)."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    from datetime import datetime, timezone

    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


class DurableMixin:
    """LambdaSemantics's durable executions (self.state: LambdaState; _function_state, _arn, _moto_get,
    _version_exists come from FunctionsMixin, _alias_state from AliasesMixin)."""

    def record_durable_executions(self, body: dict) -> dict:
        """POST /_twin/durable-executions: N durable executions of one version (pinned to it, as an
        invocation through a version or alias pins them: Lambda DG "Best practices for Lambda durable
        functions"), listed by ListDurableExecutionsByFunction."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required (a function name)")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        unknown = sorted(set(body) - {"function", "region", "version", "running", "status"})
        if unknown:
            raise ValueError("unknown field(s): " + ", ".join(unknown))
        version = body.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        if not isinstance(version, str) or not (version.isdigit() or version == LATEST):
            raise ValueError('version is required: a published version ("3") or "$LATEST"')
        count = body.get("running")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 1000:
            raise ValueError("running must be an integer from 0 to 1000 (how many executions to record)")
        status = body.get("status", "RUNNING")
        statuses = model_enum("ExecutionStatus")
        if status not in statuses:
            raise ValueError("status must be one of " + ", ".join(statuses))
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        if not self._version_exists(name, version, region):
            raise LookupError(f"no version {version} of {name} in {region}")
        if not st.durable.get(version):
            raise ValueError(f"version {version} of {name} is not durable (no DurableConfig): make the function "
                             "durable (POST /_twin/function-kind, or seed-function \"durable\") before publishing it")
        function_arn = f"{self._arn(name, region)}:{version}"
        now = time.time()
        last = st.durable_executions[-1]["StartTimestamp"] if st.durable_executions else 0.0
        made = []
        for _ in range(count):
            started = max(now, last + 0.001)
            last = started
            execution_id = uuid.uuid4().hex
            exec_name = f"twin-{execution_id[:12]}"
            execution = {"_version": version,
                         "DurableExecutionArn": f"{function_arn}/durable-execution/{exec_name}/{execution_id}",
                         "DurableExecutionName": exec_name, "FunctionArn": function_arn,
                         "Status": status, "StartTimestamp": round(started, 3)}
            if status != "RUNNING":
                execution["EndTimestamp"] = round(started, 3)
            st.durable_executions.append(execution)
            made.append(_public_execution(execution))
        running = sum(1 for e in st.durable_executions if e["_version"] == version and e["Status"] == "RUNNING")
        return {"function": name, "region": region, "version": version, "executions": made, "running": running}

    def _list_durable_executions(self, req, forward, name, qualifier) -> Response:
        """ListDurableExecutionsByFunction (GET /2025-12-01/functions/{FunctionName}/durable-executions;
        moto 5.2.1 has no such operation): the executions recorded for the version the Qualifier names
        ("If not specified, lists executions for the $LATEST version"; an alias: the versions it points
        to), filtered by Statuses, DurableExecutionName (exact), StartedAfter / StartedBefore; oldest
        first unless ReverseOrder; MaxItems (default 100) per page, NextMarker while more remain."""
        st = self._function_state(name, req.region)
        arn = self._arn(name, req.region)
        if st is None:
            return _err(404, "ResourceNotFoundException", f"Function not found: {arn}")
        query = parse_qs(req.query, keep_blank_values=True)
        first = {k: v[0] for k, v in query.items() if v}
        qualifier = first.get("Qualifier") or qualifier or LATEST
        if qualifier == LATEST:
            versions = {LATEST}
        elif qualifier.isdigit():
            if not self._version_exists(name, qualifier, req.region):
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            versions = {qualifier}
        else:
            found = self._moto_get(f"/{quote(name, safe='')}/aliases/{quote(qualifier, safe='')}", req.region)
            alias = _json_body(found)
            if not 200 <= found.status < 300 or not alias:
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            versions = {str(alias.get("FunctionVersion"))} | set(self._alias_state(name, alias, req.region).weights)
        statuses = set(query.get("Statuses") or [])
        exec_name = first.get("DurableExecutionName")
        try:
            after = _query_time(first.get("StartedAfter"))
            before = _query_time(first.get("StartedBefore"))
        except ValueError:
            return _err(400, "InvalidParameterValueException", "StartedAfter / StartedBefore must be timestamps.")
        chosen = [e for e in st.durable_executions
                  if e["_version"] in versions
                  and (not statuses or e["Status"] in statuses)
                  and (exec_name is None or e["DurableExecutionName"] == exec_name)
                  and (after is None or e["StartTimestamp"] > after)
                  and (before is None or e["StartTimestamp"] < before)]
        if first.get("ReverseOrder", "").lower() == "true":
            chosen.reverse()
        limit = int(first["MaxItems"]) if first.get("MaxItems", "").isdigit() else 0
        limit = limit or DURABLE_LIST_DEFAULT
        start = 0
        if first.get("Marker"):
            try:
                start = int(base64.urlsafe_b64decode(first["Marker"].encode()).decode().split(":", 1)[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                # AWS's text for a marker it did not issue is not documented; the code is the model's.
                return _err(400, "InvalidParameterValueException", "The Marker is not valid.")
        page = chosen[start:start + limit]
        answer: dict = {"DurableExecutions": [_public_execution(e) for e in page]}
        if start + limit < len(chosen):
            answer["NextMarker"] = base64.urlsafe_b64encode(f"twin:{start + limit}".encode()).decode()
        return _with_json(Response(200, [("x-amzn-RequestId", new_request_id())]), answer)
