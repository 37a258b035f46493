"""Lambda Invoke (part of LambdaSemantics, lambda_semantics.py), answered by the twin: qualifier
resolution (alias weights included), tenant isolation (X-Amz-Tenant-Id), what the function's and the
version's State refuse, X-Amz-Executed-Version, scripted results, invocation counts, and the log
records each invocation writes (lambda_logs.py): timeouts and errors set by /_twin/lambda-behaviour."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from .errors import new_request_id
from .lambda_common import LATEST, _err, _json_body, parse_function_ref
from .lambda_logs import TIMEOUT_ERROR_TYPE
from .lambda_state import RESTORING_REASON, STATE_CONFLICT, FunctionState
from .messages import Response

# Lambda API reference, Invoke, Errors: ResourceNotReadyException (502), "The function is inactive
# and its VPC connection is no longer available. Wait for the VPC connection to reestablish and try
# again." (the model's documentation of the error).
NOT_READY_MESSAGE = ("The function is inactive and its VPC connection is no longer available. "
                     "Wait for the VPC connection to reestablish and try again.")
# Tenant isolation. Lambda DG "Invoking Lambda functions with tenant isolation"
# (https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-invoke.html): "When invoking a function
# that has tenant isolation enabled, you must provide a tenant-id parameter" (header X-Amz-Tenant-Id).
# "Troubleshooting tenant isolation for Lambda functions"
# (https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-troubleshooting.html):
# InvalidParameterValueException, "Error : Tenant ID configuration not specified or passed to a function
# when tenant isolation is not enabled." — "This error occurs when invoking a tenant-isolated function
# without a tenant ID, or invoking a non-tenant-isolated function with a tenant ID." The twin answers
# that documented text for both cases (whether AWS words them differently is not documented).
TENANT_ID_MISMATCH = ("Tenant ID configuration not specified or passed to a function when tenant isolation "
                      "is not enabled.")
TENANCY_MODES = ("PER_TENANT",)  # the model's TenantIsolationMode enum


def parse_tenancy(value) -> str | None:
    """A control body's "tenancy": "PER_TENANT" (the model's TenantIsolationMode) or null (none)."""
    if value is not None and value not in TENANCY_MODES:
        raise ValueError("tenancy must be " + " or ".join(f'"{m}"' for m in TENANCY_MODES) + " or null")
    return value


class InvokeMixin:
    """LambdaSemantics's Invoke (self.state: LambdaState; _moto_get, _remember_function, _version_config and
    _arn come from FunctionsMixin, _alias_state from AliasesMixin, _run_invocation and tail_log from
    LogsMixin, code_storage_invoke_refusal from CodeStorageMixin)."""

    # Invoke ------------------------------------------------------------------

    def _invoke(self, req, forward, name, path_qualifier) -> Response:
        qualifier = req.query_params().get("Qualifier") or path_qualifier or LATEST
        quoted = quote(name, safe="")
        latest = self._moto_get(f"/{quoted}/configuration", req.region)
        if latest.status != 200:
            return latest
        st = self._remember_function(_json_body(latest) or {"FunctionName": name}, req.region)
        arn = self._arn(name, req.region)
        if qualifier == LATEST:
            version = LATEST
        elif qualifier.isdigit():
            check = self._moto_get(f"/{quoted}/configuration?Qualifier={qualifier}", req.region)
            if check.status != 200:
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            version = qualifier
        else:
            found = self._moto_get(f"/{quoted}/aliases/{quote(qualifier, safe='')}", req.region)
            alias = _json_body(found)
            if not 200 <= found.status < 300 or not alias:
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            version = self._pick_version(str(alias.get("FunctionVersion")),
                                         self._alias_state(name, alias, req.region).weights)

        tenant_id = req.header("X-Amz-Tenant-Id")
        if bool(tenant_id) != bool(st.tenancy.get(version)):
            # Lambda DG "Troubleshooting tenant isolation": a tenant-isolated function invoked without a
            # tenant ID, or a function without tenant isolation invoked with one. Checked on the version
            # that would run (an alias resolves first), before the State checks (the twin's order).
            return _err(400, "InvalidParameterValueException", TENANT_ID_MISMATCH)
        # Code referenced in the user's bucket that Lambda can no longer read: Inactive until updated
        # (lambda_code_storage.py).
        refusal = self.code_storage_invoke_refusal(st, version, req.region) or self._invoke_state_refusal(st, version)
        if refusal is not None:
            return refusal
        key = (req.region, name, version)
        self.state.invocations[key] = self.state.invocations.get(key, 0) + 1
        if tenant_id:
            self.state.tenant_invocations.setdefault((req.region, name), []).append(
                {"qualifier": qualifier, "executedVersion": version, "tenantId": tenant_id})
        request_id = new_request_id()  # the invocation's request id: the answer's and its log records'
        headers = [("x-amzn-RequestId", request_id), ("X-Amz-Executed-Version", version)]
        invocation_type = req.header("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return Response(204, headers)  # nothing runs: no log records
        script = self.state.scripts.get(key) or self.state.scripts.get((req.region, name, "*"))
        config = (_json_body(latest) if version == LATEST else self._version_config(name, version, req.region)) or {}
        # The invocation runs (an Event one too, after Invoke has answered 202): its records go to the
        # version's log group (lambda_logs.py), timeouts and errors as the version's behaviour says.
        outcome = self._run_invocation(req.region, name, version, config, request_id,
                                       function_error=bool(script and script.get("functionError")))
        if invocation_type == "Event":
            return Response(202, headers)
        status, payload, function_error = 200, req.body, None
        if script:
            status = script["statusCode"]
            if script["payload"] is not None:
                payload = script["payload"].encode()
            function_error = script.get("functionError") or None
        if outcome["status"] == "timeout":
            # Lambda's answer to an invocation that timed out: 200, an unhandled function error, and
            # the Sandbox.Timedout error (lambda_logs.py).
            status, function_error = 200, "Unhandled"
            payload = json.dumps({"errorType": TIMEOUT_ERROR_TYPE,
                                  "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                                                  f"{outcome['timeoutSeconds']:.2f} seconds"}).encode()
        elif outcome["status"] == "error" and function_error is None:
            # errorEvery: an unhandled error of the function's own (its errorType and text are the twin's).
            status, function_error = 200, "Unhandled"
            payload = json.dumps({"errorType": "Error",
                                  "errorMessage": f"The twin's scripted function error (invocation "
                                                  f"{outcome['invocation']} of version {version})"}).encode()
        if function_error is not None:
            headers.append(("X-Amz-Function-Error", str(function_error)))
        if (req.header("X-Amz-Log-Type") or "") == "Tail":
            headers.append(("X-Amz-Log-Result", base64.b64encode(self.tail_log(outcome).encode()).decode()))
        headers.append(("Content-Type", "application/json"))
        return Response(status, headers, payload)

    def _invoke_state_refusal(self, st: FunctionState, version: str) -> Response | None:
        """Invoke refused by the function's or the version's State ("Lambda function states";
        "Lambda SnapStart and function states")."""
        if st.state == "Pending":
            return _err(409, "ResourceConflictException", STATE_CONFLICT.format(state="Pending"))
        if st.state == "Inactive":
            # "When you try to invoke a function that is inactive, the invocation fails and Lambda
            # sets the function to pending state until the function resources are recreated."
            # Invoke's documented error for it: ResourceNotReadyException, 502.
            st.set_pending(self.state.knob((st.region, st.name), "pending_polls"), RESTORING_REASON, "Restoring")
            return _err(502, "ResourceNotReadyException", NOT_READY_MESSAGE)
        if st.state == "Failed":
            # AWS's answer to invoking a Failed function is not documented; the twin refuses with the
            # same conflict as for Pending.
            return _err(409, "ResourceConflictException", STATE_CONFLICT.format(state="Failed"))
        vs = st.versions.get(version)
        if vs is not None and vs.state in ("Pending", "Failed"):
            return _err(409, "ResourceConflictException", STATE_CONFLICT.format(state=vs.state))
        return None

    def _pick_version(self, primary: str, weights: dict[str, float]) -> str:
        draw = self.state.rng.random()
        total = 0.0
        for version, weight in sorted(weights.items()):
            total += float(weight)
            if draw < total:
                return version
        return primary

    def tenant_invocations(self, function: str | None, region: str) -> list[dict]:
        """GET /_twin/tenant-invocations?function=NAME: the invocations of that function that carried a
        tenant id, in order."""
        if not function:
            raise ValueError("function is required (?function=NAME)")
        name, _ = parse_function_ref(function)
        return [dict(e) for e in self.state.tenant_invocations.get((region, name), [])]
