"""Lambda behaviour moto 5.2.1 lacks, kept by the proxy (DESIGN.md, "The
local AWS twin"):

- function RevisionId ($LATEST and each published version) and its
  preconditions on UpdateFunctionCode / UpdateFunctionConfiguration /
  PublishVersion; PublishVersion's CodeSha256 precondition;
- alias RevisionId, exact RoutingConfig.AdditionalVersionWeights, 200 (not
  201) from GetAlias/UpdateAlias;
- LastUpdateStatus InProgress for the next N polls after an update, 409 for
  a second update meanwhile, and a scripted Failed outcome;
- UpdateFunctionCode from S3 honouring S3ObjectVersion;
- Invoke answered here: qualifier resolution (alias weights included),
  X-Amz-Executed-Version, scripted results, invocation counts.

Functions are keyed by name (the twin serves one account; regions are not
separated).
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote, unquote

from errors import aws_error, new_request_id
from messages import ProxyRequest, Response
from moto_client import MotoClient

LATEST = "$LATEST"
ACCOUNT_ID = "123456789012"
API = "/2015-03-31/functions"
IN_PROGRESS_REASON = "The function is being updated."
PRECONDITION_MESSAGE = ("The Revision Id provided does not match the latest Revision Id. "
                        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

Forward = Callable[..., Response]


def new_revision() -> str:
    return str(uuid.uuid4())


def parse_function_ref(ref: str) -> tuple[str, str | None]:
    """(name, qualifier) of a FunctionName in any accepted form: name,
    name:qualifier, full ARN (optionally qualified), or partial ARN
    123456789012:function:name[:qualifier]."""
    ref = unquote(ref)
    if ref.startswith("arn:"):
        parts = ref.split(":")
        name = parts[6] if len(parts) > 6 else ref
        qualifier = parts[7] if len(parts) > 7 else None
        return name, qualifier or None
    if ":function:" in ref:
        ref = ref.split(":function:", 1)[1]
    name, _, qualifier = ref.partition(":")
    return name, qualifier or None


@dataclass
class FunctionState:
    revision: str
    arn: str | None = None
    version_revisions: dict[str, str] = field(default_factory=dict)
    status: str = "Successful"
    polls_left: int = 0
    pending_failure: str | None = None
    failure_reason: str | None = None

    @property
    def in_progress(self) -> bool:
        return self.status == "InProgress"

    def start_update(self, polls: int, failure: str | None) -> None:
        self.revision = new_revision()
        self.pending_failure = failure
        if polls <= 0:
            self._finish()
        else:
            self.status = "InProgress"
            self.polls_left = polls

    def _finish(self) -> None:
        if self.pending_failure is not None:
            self.status = "Failed"
            self.failure_reason = self.pending_failure
        else:
            self.status = "Successful"
            self.failure_reason = None
        self.pending_failure = None
        self.polls_left = 0

    def observe(self, consume: bool) -> None:
        """A GetFunction/GetFunctionConfiguration poll of $LATEST."""
        if self.in_progress and consume:
            if self.polls_left > 0:
                self.polls_left -= 1
            else:
                self._finish()

    def apply_status(self, config: dict) -> None:
        for key in ("LastUpdateStatusReason", "LastUpdateStatusReasonCode"):
            config.pop(key, None)
        config["State"] = "Active"
        config["LastUpdateStatus"] = self.status
        if self.status == "InProgress":
            config["LastUpdateStatusReason"] = IN_PROGRESS_REASON
        elif self.status == "Failed":
            config["LastUpdateStatusReason"] = self.failure_reason or ""
            config["LastUpdateStatusReasonCode"] = "InternalError"


@dataclass
class AliasState:
    revision: str
    weights: dict[str, float] = field(default_factory=dict)


class LambdaState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.functions: dict[str, FunctionState] = {}
            self.aliases: dict[tuple[str, str], AliasState] = {}
            self.scripts: dict[tuple[str, str], dict] = {}
            self.invocations: dict[tuple[str, str], int] = {}
            self.update_polls = 2
            self.fail_next_update: str | None = None
            self.rng = random.Random()

    def configure(self, body: dict) -> dict:
        with self.lock:
            if "updatePolls" in body:
                polls = body["updatePolls"]
                if not isinstance(polls, int) or polls < 0:
                    raise ValueError("updatePolls must be a non-negative integer")
                self.update_polls = polls
            if "failNextUpdate" in body:
                reason = body["failNextUpdate"]
                if reason is not None and not isinstance(reason, str):
                    raise ValueError("failNextUpdate must be a string or null")
                self.fail_next_update = reason
            if "seed" in body:
                self.rng = random.Random(body["seed"])
            return {"updatePolls": self.update_polls, "failNextUpdate": self.fail_next_update}

    def script(self, body: dict) -> dict:
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required")
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
            self.scripts[(name, qualifier)] = entry
        return {"function": name, "qualifier": qualifier, **entry}

    def invocation_counts(self) -> dict[str, dict[str, int]]:
        with self.lock:
            out: dict[str, dict[str, int]] = {}
            for (name, version), count in sorted(self.invocations.items()):
                out.setdefault(name, {})[version] = count
            return out


def _json_body(resp: Response) -> dict | None:
    try:
        value = json.loads(resp.body or b"null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _with_json(resp: Response, payload: dict, status: int | None = None) -> Response:
    resp.body = json.dumps(payload).encode()
    resp.set_header("Content-Type", "application/json")
    if status is not None:
        resp.status = status
    return resp


def _err(status: int, code: str, message: str) -> Response:
    return aws_error("rest-json", status, code, message)


def _s3_error_fields(body: bytes) -> tuple[str, str]:
    text = body.decode("utf-8", "replace")
    code = re.search(r"<Code>(.*?)</Code>", text, re.S)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    return (code.group(1) if code else "Unknown", message.group(1) if message else text[:200])


class LambdaSemantics:
    def __init__(self, state: LambdaState, moto: MotoClient) -> None:
        self.state = state
        self.moto = moto

    # Entry point -----------------------------------------------------------

    def handle(self, req: ProxyRequest, forward: Forward) -> Response:
        parts = [p for p in req.path.split("/") if p]
        name = qualifier = None
        if len(parts) >= 3 and parts[1] == "functions":
            name, qualifier = parse_function_ref(parts[2])
        handler = {
            "CreateFunction": self._create_function,
            "GetFunction": self._get_function,
            "GetFunctionConfiguration": self._get_function,
            "ListVersionsByFunction": self._list_versions,
            "ListFunctions": self._list_functions,
            "UpdateFunctionCode": self._update_function,
            "UpdateFunctionConfiguration": self._update_function,
            "PublishVersion": self._publish_version,
            "CreateAlias": self._create_alias,
            "GetAlias": self._get_alias,
            "UpdateAlias": self._update_alias,
            "ListAliases": self._list_aliases,
            "DeleteAlias": self._delete_alias,
            "DeleteFunction": self._delete_function,
            "Invoke": self._invoke,
        }.get(req.operation or "")
        with self.state.lock:
            if handler is None or (name is None and req.operation != "CreateFunction"
                                   and req.operation != "ListFunctions"):
                resp = forward()
            else:
                resp = handler(req, forward, name, qualifier)
        if (resp.header("Content-Type") or "").startswith("text/html"):
            resp.set_header("Content-Type", "application/json")  # moto says text/html
        return resp

    # Helpers -----------------------------------------------------------------

    def _arn(self, name: str, region: str) -> str:
        st = self.state.functions.get(name)
        if st and st.arn:
            return st.arn
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"

    def _moto_get(self, path: str, region: str) -> Response:
        return self.moto.call("GET", API + path, "lambda", region=region)

    def _latest_config(self, name: str, region: str) -> dict | None:
        resp = self._moto_get(f"/{quote(name, safe='')}/configuration", region)
        return _json_body(resp) if resp.status == 200 else None

    def _function_state(self, name: str, region: str) -> FunctionState | None:
        st = self.state.functions.get(name)
        if st is None:
            config = self._latest_config(name, region)
            if config is None:
                return None
            st = self._remember_function(config)
        return st

    def _remember_function(self, config: dict, fresh: bool = False) -> FunctionState:
        name = config.get("FunctionName", "")
        st = None if fresh else self.state.functions.get(name)
        if st is None:
            st = FunctionState(revision=new_revision())
            self.state.functions[name] = st
        arn = config.get("FunctionArn")
        if arn:
            version = str(config.get("Version", LATEST))
            st.arn = arn[: -len(version) - 1] if arn.endswith(":" + version) else arn
        return st

    def decorate_config(self, config: dict, consume: bool) -> dict:
        """RevisionId and LastUpdateStatus into one FunctionConfiguration."""
        st = self._remember_function(config)
        version = str(config.get("Version", LATEST))
        if version == LATEST:
            st.observe(consume)
            config["RevisionId"] = st.revision
            st.apply_status(config)
        else:
            config["RevisionId"] = st.version_revisions.setdefault(version, new_revision())
            config["LastUpdateStatus"] = "Successful"
            config.pop("LastUpdateStatusReason", None)
            config.pop("LastUpdateStatusReasonCode", None)
        return config

    def _alias_state(self, name: str, alias: dict) -> AliasState:
        key = (name, alias.get("Name", ""))
        st = self.state.aliases.get(key)
        if st is None:
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            st = AliasState(new_revision(), dict(weights))
            self.state.aliases[key] = st
        return st

    def decorate_alias(self, name: str, alias: dict) -> dict:
        st = self._alias_state(name, alias)
        alias["RevisionId"] = st.revision
        if st.weights:
            alias["RoutingConfig"] = {"AdditionalVersionWeights": dict(st.weights)}
        else:
            alias.pop("RoutingConfig", None)
        return alias

    def _conflict(self, name: str, region: str) -> Response:
        return _err(409, "ResourceConflictException",
                    "The operation cannot be performed at this time. An update is in progress "
                    f"for resource: {self._arn(name, region)}")

    # Functions ---------------------------------------------------------------

    def _create_function(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        config = _json_body(resp)
        if resp.status in (200, 201) and config:
            self.register_created(config)
            return _with_json(resp, self.decorate_config(config, consume=False))
        return resp

    def register_created(self, config: dict) -> None:
        """A function just created: fresh state (it may be a re-creation)."""
        name = config.get("FunctionName", "")
        for key in [k for k in self.state.aliases if k[0] == name]:
            del self.state.aliases[key]
        self._remember_function(config, fresh=True)

    def _get_function(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        body = _json_body(resp)
        if resp.status == 200 and body:
            config = body.get("Configuration") if req.operation == "GetFunction" else body
            if isinstance(config, dict):
                self.decorate_config(config, consume=True)
            return _with_json(resp, body)
        return resp

    def _list_versions(self, req, forward, name, qualifier) -> Response:
        return self._decorate_listing(forward(), "Versions")

    def _list_functions(self, req, forward, name, qualifier) -> Response:
        return self._decorate_listing(forward(), "Functions")

    def _decorate_listing(self, resp, key: str) -> Response:
        """Adds the twin's RevisionId and update status to each configuration listed under `key`."""
        body = _json_body(resp)
        if resp.status == 200 and body:
            for config in body.get(key) or []:
                self.decorate_config(config, consume=False)
            return _with_json(resp, body)
        return resp

    def _check_update_preconditions(self, req, name, st):
        """The body of an update or publish, or the refusal Lambda would give: an unreadable
        body, an update still in progress (409), or a RevisionId that is not current (412)."""
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return None, _err(400, "InvalidRequestContentException", "Could not parse request body into json")
        if st.in_progress:
            return None, self._conflict(name, req.region)
        if body.get("RevisionId") and body["RevisionId"] != st.revision:
            return None, _err(412, "PreconditionFailedException", PRECONDITION_MESSAGE)
        return body, None

    def _update_function(self, req, forward, name, qualifier) -> Response:
        st = self._function_state(name, req.region)
        if st is None:
            return forward()  # moto answers 404
        body, refusal = self._check_update_preconditions(req, name, st)
        if refusal is not None:
            return refusal
        if body.get("DryRun"):
            return forward()

        new_body = None
        if req.operation == "UpdateFunctionCode" and body.get("S3ObjectVersion"):
            fetched = self._fetch_s3_version(body, req.region)
            if isinstance(fetched, Response):
                return fetched
            new_body = {k: v for k, v in body.items()
                        if k not in ("S3Bucket", "S3Key", "S3ObjectVersion")}
            new_body["ZipFile"] = base64.b64encode(fetched).decode()

        failure = self.state.fail_next_update
        if failure is not None:
            # The update will end Failed: moto never sees it, the code stays.
            self.state.fail_next_update = None
            config = self._latest_config(name, req.region)
            if config is None:
                return forward()
            st.start_update(self.state.update_polls, failure)
            resp = Response(200, [("x-amzn-RequestId", new_request_id())])
            return _with_json(resp, self._decorate_after_update(st, config))

        if new_body is not None:
            resp = forward(body=json.dumps(new_body).encode())
        else:
            resp = forward()
        config = _json_body(resp)
        if resp.status == 200 and config:
            st.start_update(self.state.update_polls, None)
            version = str(config.get("Version", LATEST))
            if version != LATEST:  # Publish: true answers with the new version
                return _with_json(resp, self.decorate_config(config, consume=False))
            return _with_json(resp, self._decorate_after_update(st, config))
        return resp

    def _decorate_after_update(self, st: FunctionState, config: dict) -> dict:
        self._remember_function(config)
        config["RevisionId"] = st.revision
        st.apply_status(config)
        return config

    def _fetch_s3_version(self, body: dict, region: str) -> bytes | Response:
        bucket, key, version = body.get("S3Bucket"), body.get("S3Key"), body.get("S3ObjectVersion")
        if not bucket or not key:
            return _err(400, "InvalidParameterValueException",
                        "S3ObjectVersion requires S3Bucket and S3Key")
        target = (f"/{quote(bucket, safe='')}/{quote(key, safe='/~')}"
                  f"?versionId={quote(version, safe='')}")
        resp = self.moto.call("GET", target, "s3", region=region)
        if resp.status != 200:
            code, message = _s3_error_fields(resp.body)
            return _err(400, "InvalidParameterValueException",
                        f"Error occurred while GetObject. S3 Error Code: {code}. "
                        f"S3 Error Message: {message}")
        return resp.body

    def _publish_version(self, req, forward, name, qualifier) -> Response:
        st = self._function_state(name, req.region)
        if st is None:
            return forward()  # moto answers 404
        body, refusal = self._check_update_preconditions(req, name, st)
        if refusal is not None:
            return refusal
        if body.get("CodeSha256"):
            latest = self._latest_config(name, req.region) or {}
            current = latest.get("CodeSha256")
            if current and current != body["CodeSha256"]:
                return _err(400, "InvalidParameterValueException",
                            f"CodeSHA256 ({body['CodeSha256']}) is different from current "
                            f"CodeSHA256 in $LATEST ({current}). Please try again with the "
                            "current CodeSHA256.")
        resp = forward()
        config = _json_body(resp)
        if resp.status in (200, 201) and config:
            return _with_json(resp, self.decorate_config(config, consume=False))
        return resp

    def _delete_function(self, req, forward, name, qualifier) -> Response:
        qualifier = req.query_params().get("Qualifier") or qualifier
        resp = forward()
        if 200 <= resp.status < 300:
            if qualifier:
                st = self.state.functions.get(name)
                if st:
                    st.version_revisions.pop(qualifier, None)
            else:
                self.state.functions.pop(name, None)
                for key in [k for k in self.state.aliases if k[0] == name]:
                    del self.state.aliases[key]
            return Response(204, [("x-amzn-RequestId", resp.header("x-amzn-RequestId") or new_request_id())])
        return resp

    # Aliases -----------------------------------------------------------------

    def _create_alias(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        alias = _json_body(resp)
        if resp.status in (200, 201) and alias:
            try:
                body = json.loads(req.body or b"{}")
            except ValueError:
                body = {}
            weights = (body.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            self.state.aliases[(name, alias.get("Name", ""))] = AliasState(new_revision(), dict(weights))
            return _with_json(resp, self.decorate_alias(name, alias), status=201)
        return resp

    def _get_alias(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        alias = _json_body(resp)
        if 200 <= resp.status < 300 and alias:
            return _with_json(resp, self.decorate_alias(name, alias), status=200)
        return resp

    def _list_aliases(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        body = _json_body(resp)
        if resp.status == 200 and body:
            for alias in body.get("Aliases") or []:
                self.decorate_alias(name, alias)
            return _with_json(resp, body)
        return resp

    def _update_alias(self, req, forward, name, qualifier) -> Response:
        alias_name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
        key = (name, alias_name)
        if key not in self.state.aliases:
            current = self._moto_get(f"/{quote(name, safe='')}/aliases/{quote(alias_name, safe='')}",
                                     req.region)
            if not 200 <= current.status < 300:
                return forward()  # moto answers 404
            self._alias_state(name, _json_body(current) or {"Name": alias_name})
        st = self.state.aliases[key]
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _err(400, "InvalidRequestContentException", "Could not parse request body into json")
        if body.get("RevisionId") and body["RevisionId"] != st.revision:
            return _err(412, "PreconditionFailedException", PRECONDITION_MESSAGE)
        version = body.get("FunctionVersion")
        if version and version != LATEST:
            check = self._moto_get(f"/{quote(name, safe='')}/configuration?Qualifier={quote(str(version), safe='')}",
                                   req.region)
            if check.status != 200:
                return _err(404, "ResourceNotFoundException",
                            f"Function not found: {self._arn(name, req.region)}:{version}")
        resp = forward()
        alias = _json_body(resp)
        if 200 <= resp.status < 300 and alias:
            st.revision = new_revision()
            routing = body.get("RoutingConfig")
            if isinstance(routing, dict):
                st.weights = dict(routing.get("AdditionalVersionWeights") or {})
            return _with_json(resp, self.decorate_alias(name, alias), status=200)
        return resp

    def _delete_alias(self, req, forward, name, qualifier) -> Response:
        alias_name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
        resp = forward()
        if 200 <= resp.status < 300:
            self.state.aliases.pop((name, alias_name), None)
            return Response(204, [("x-amzn-RequestId", resp.header("x-amzn-RequestId") or new_request_id())])
        return resp

    # Invoke ------------------------------------------------------------------

    def _invoke(self, req, forward, name, path_qualifier) -> Response:
        qualifier = req.query_params().get("Qualifier") or path_qualifier or LATEST
        quoted = quote(name, safe="")
        latest = self._moto_get(f"/{quoted}/configuration", req.region)
        if latest.status != 200:
            return latest
        self._remember_function(_json_body(latest) or {"FunctionName": name})
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
                                         self._alias_state(name, alias).weights)

        key = (name, version)
        self.state.invocations[key] = self.state.invocations.get(key, 0) + 1
        headers = [("x-amzn-RequestId", new_request_id()), ("X-Amz-Executed-Version", version)]
        invocation_type = req.header("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return Response(204, headers)
        if invocation_type == "Event":
            return Response(202, headers)
        script = self.state.scripts.get(key) or self.state.scripts.get((name, "*"))
        status, payload = 200, req.body
        if script:
            status = script["statusCode"]
            if script["payload"] is not None:
                payload = script["payload"].encode()
            if script.get("functionError"):
                headers.append(("X-Amz-Function-Error", str(script["functionError"])))
        if (req.header("X-Amz-Log-Type") or "") == "Tail":
            log = f"START RequestId: twin Version: {version}\nEND RequestId: twin\n"
            headers.append(("X-Amz-Log-Result", base64.b64encode(log.encode()).decode()))
        headers.append(("Content-Type", "application/json"))
        return Response(status, headers, payload)

    def _pick_version(self, primary: str, weights: dict[str, float]) -> str:
        draw = self.state.rng.random()
        total = 0.0
        for version, weight in sorted(weights.items()):
            total += float(weight)
            if draw < total:
                return version
        return primary
