"""The control API's Lambda setters (part of LambdaSemantics, lambda_semantics.py; control.py
serves them): POST /_twin/function-state, /_twin/function-config and /_twin/function-kind."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from .lambda_common import (API, LATEST, ControlRefusal, _json_body, control_region, dead_letter_target, model_enum,
                            parse_function_ref)
from .lambda_durable import parse_durable
from .lambda_invoke import parse_tenancy
from .lambda_logs import merge_logging_config, parse_logging_config
from .lambda_state import INACTIVE_REASON, PENDING_REASON, VersionState

# What the control API takes as a role (the model's RoleArn pattern, botocore lambda service-2.json)
# and as a dead-letter queue (an SQS queue or SNS topic ARN: Lambda DG "Adding a dead-letter queue";
# the model's TargetArn pattern only asks for an ARN).
ROLE_ARN = re.compile(r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")
DEAD_LETTER_ARN = re.compile(r"^arn:(aws[a-zA-Z-]*)?:(sqs|sns):[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[a-zA-Z0-9-_.]+$")


class ControlMixin:
    """LambdaSemantics's control-API setters (self.state: LambdaState, self.moto; _function_state,
    _state_conflict, _conflict, _latest_config, decorate_config and _decorate_after_update come from
    FunctionsMixin)."""

    def set_function_state(self, body: dict) -> dict:
        """The control API's knob: State (and reason), or PackageType, of a function."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        if "packageType" in body:
            if body["packageType"] not in ("Zip", "Image", None):
                raise ValueError("packageType must be Zip, Image or null")
            st.package_type_forced = body["packageType"]
        state = body.get("state")
        if state is not None:
            codes = model_enum("StateReasonCode")
            code = body.get("reasonCode")
            if code is not None and code not in codes:
                raise ValueError("reasonCode must be one of " + ", ".join(codes))
            version = body.get("version")
            if version is not None:
                vs = st.versions.setdefault(str(version), VersionState())
                if state not in ("Pending", "Active", "Failed"):
                    raise ValueError("a version's state is Pending, Active or Failed")
                vs.state, vs.reason, vs.reason_code = state, body.get("reason"), code
                vs.polls_left = int(body.get("polls") or 0)
            elif state == "Active":
                st._activate()
            elif state == "Pending":
                st.set_pending(int(body.get("polls") or self.state.knob((region, name), "pending_polls")),
                               body.get("reason") or PENDING_REASON, code or "Creating")
                if st.state == "Active":  # polls 0: still say Pending once, as AWS would
                    st.state, st.state_reason, st.state_reason_code = "Pending", body.get("reason") or PENDING_REASON, code or "Creating"
            elif state == "Inactive":
                st.state, st.state_reason, st.state_reason_code = "Inactive", body.get("reason") or INACTIVE_REASON, code or "Idle"
            elif state == "Failed":
                st.state, st.state_reason, st.state_reason_code = "Failed", body.get("reason") or "", code or "InternalError"
            else:
                raise ValueError("state must be Pending, Active, Inactive or Failed")
        return {"function": name, "region": region, "state": st.state, "stateReason": st.state_reason,
                "stateReasonCode": st.state_reason_code, "packageType": st.effective_package_type,
                "versions": {v: {"state": vs.state, "reason": vs.reason, "reasonCode": vs.reason_code}
                             for v, vs in sorted(st.versions.items())}}

    def set_function_config(self, body: dict) -> dict:
        """POST /_twin/function-config: $LATEST's Role, DeadLetterConfig and/or LoggingConfig changed as
        UpdateFunctionConfiguration changes them (through moto, so reads and a later PublishVersion
        see them), with a new RevisionId, but settled at once: LastUpdateStatus Successful, no
        InProgress polls, no scripted failure used. Refused like the API while the function is
        Pending or an update is in progress (409)."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required (a function name)")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        unknown = sorted(set(body) - {"function", "region", "role", "deadLetterTargetArn", "loggingConfig"})
        if unknown:
            raise ValueError("unknown field(s): " + ", ".join(unknown))
        if not {"role", "deadLetterTargetArn", "loggingConfig"} & set(body):
            raise ValueError("give role, deadLetterTargetArn and/or loggingConfig")
        logging = parse_logging_config(body["loggingConfig"]) if "loggingConfig" in body else None
        update: dict = {}
        if "role" in body:
            role = body["role"]
            if not isinstance(role, str) or not ROLE_ARN.match(role):
                raise ValueError("role must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
            update["Role"] = role
        if "deadLetterTargetArn" in body:
            target = body["deadLetterTargetArn"]
            if not isinstance(target, str) or (target and not DEAD_LETTER_ARN.match(target)):
                raise ValueError('deadLetterTargetArn must be an SQS queue or SNS topic ARN, or "" to remove it')
            update["DeadLetterConfig"] = {"TargetArn": target}
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        refusal = self._state_conflict(st, name, region)
        if refusal is None and st.in_progress:
            refusal = self._conflict(name, region)
        if refusal is not None:
            raise ControlRefusal(refusal.status, json.loads(refusal.body).get("message", ""))
        resp = self.moto.call("PUT", f"{API}/{quote(name, safe='')}/configuration", "lambda",
                              json.dumps(update).encode(), "application/json", region=region)
        config = _json_body(resp)
        if resp.status != 200 or config is None:
            raise ControlRefusal(502, f"moto UpdateFunctionConfiguration: {resp.status} {resp.body[:300]!r}")
        if "DeadLetterConfig" in update:
            st.dead_letters[LATEST] = dead_letter_target(update)
        if logging is not None:  # moto 5.2.1 keeps no LoggingConfig: the twin does (lambda_logs.py)
            st.logging[LATEST] = merge_logging_config(st.logging.get(LATEST), logging)
        self.forget_environment(region, name, LATEST)
        st.start_update(0, None)  # a new RevisionId, LastUpdateStatus Successful
        return self._decorate_after_update(st, config, region)

    def set_function_kind(self, body: dict) -> dict:
        """POST /_twin/function-kind: makes a function tenant-isolated (TenancyConfig PER_TENANT) and/or
        durable (DurableConfig) from now on: $LATEST and the versions published after it; each version
        published before keeps what it had. AWS sets both at CreateFunction only (Lambda DG "Tenant
        isolation": "Tenant isolation configuration cannot be modified after function creation";
        "Configure Lambda durable functions": "You can only enable durable execution when creating a
        function"): this is the twin's shortcut for a function seeded without them. No RevisionId or
        LastUpdateStatus change (as if the function had been created so)."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required (a function name)")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        unknown = sorted(set(body) - {"function", "region", "tenancy", "durable"})
        if unknown:
            raise ValueError("unknown field(s): " + ", ".join(unknown))
        if "tenancy" not in body and "durable" not in body:
            raise ValueError("give tenancy and/or durable")
        tenancy = parse_tenancy(body.get("tenancy")) if "tenancy" in body else None
        durable = parse_durable(body.get("durable")) if "durable" in body else None
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        if "tenancy" in body:
            st.tenancy[LATEST] = tenancy
        if "durable" in body:
            st.durable[LATEST] = durable
        config = self._latest_config(name, region)
        if config is None:
            raise LookupError(f"no function {name} in {region}")
        return self.decorate_config(config, consume=False, region=region)
