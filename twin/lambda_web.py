"""AWS Lambda Web Functions (service `lambda-web`, API version 2025-03-07), answered entirely by the twin: moto
5.2.1 has no such service. Requests are signed for `lambda` (the model's signingName) and their paths start
`/2025-03-07/`; operations.py names them service `lambda-web`, proxy.py hands them here before anything could
forward them to moto. The code a revision names is read from moto's S3 (the bucket the client filled through the
proxy), as lambda_code_storage.py reads referenced code.

Sources (each rule below names its own):

- [model] botocore 1.44.18's lambda-web service-2.json (shapes, documentation strings, errors with their
  `httpStatusCode`) and waiters-2.json (WebFunctionActive, WebFunctionRevisionActive, WebFunctionEndpointActive,
  WebFunctionEndpointUpdated: the state machines a client polls).
- [DG-deploy] Lambda Developer Guide "Deployment patterns" (https://docs.aws.amazon.com/lambda/latest/dg/
  web-functions-deployment.html): "Endpoints with autoDeploymentMode set to LatestRevision route all traffic to it
  after it becomes Active. Endpoints with autoDeploymentMode set to Disabled keep serving their current revisions
  until you update the revision weights"; "Changes to autoDeploymentMode and revisionWeights are asynchronous
  endpoint updates. Wait for updateStatus to become Successful before you evaluate the deployment or submit another
  endpoint update. If an update fails, updateStatusReason describes the cause."
- [DG-endpoints] "Lambda Web Function endpoints" (…/web-functions-endpoints.html): "A Web Function can have up to 10
  endpoints"; "The endpoint type cannot be changed after creation" (UpdateWebFunctionEndpoint has no member for it).
- [SAM] AWS SAM "RevisionWeights" (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/
  sam-property-webfunction-revisionweights.html): "Specify at most two revisions. Each weight is an integer from 1
  to 100, and the weights must add up to 100."
- [issue] the lambda-shift issue asking for this service in the twin (a revision's weight must name an Active
  revision; at most ten endpoints; the control knobs below).

Where AWS documents nothing the twin says so next to its choice (README, "Lambda Web Functions: what is not
known"). Messages are the twin's own: AWS's wording for these refusals is not documented.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote

from .defaults import ACCOUNT_ID, DEFAULT_REGION
from .errors import aws_error, new_request_id
from .lambda_common import ControlRefusal, _s3_error_fields, control_region
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

API_PREFIX = "/2025-03-07/"
SERVICE = "lambda-web"

# [model] CreateWebFunctionRequest.functionName / EndpointConfig.endpointName: "The name can contain letters,
# numbers, hyphens (-), and underscores (_), and can't begin or end with a hyphen or an underscore. The name is
# limited to 64 characters in length." (The shapes allow 256: "The length constraint applies only to the full ARN.")
NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$")
# [model] ResourceArn pattern: arn:[^:]+:lambda:[^:]+:\d{12}:web-function/[^/]+ (a slash, not Lambda's colon).
FUNCTION_ARN = re.compile(r"^arn:([^:]+):lambda:([^:]+):(\d{12}):web-function/([^/]+)$")
# Revision and endpoint ARNs: the model documents none; the twin's, under the function's ARN.
REVISION_ARN = re.compile(r"^arn:[^:]+:lambda:([^:]+):(\d{12}):web-function/([^/]+)/revision/([^/]+)$")
ENDPOINT_ARN = re.compile(r"^arn:[^:]+:lambda:([^:]+):(\d{12}):web-function/([^/]+)/endpoint/([^/]+)$")

MAX_ENDPOINTS = 10          # [DG-endpoints] "up to 10 endpoints"; [model] ServiceQuotaExceededException (402)
LIST_DEFAULT = 50           # [model] MaxResults: "Minimum value of 1, maximum value of 50. Default is 50."
# [model] ThrottleConfig.rateLimit: "must be one of the following supported values".
RATE_LIMITS = (0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000,
               9000, 10000)
# [model] list filters: "Supported filter names: …" per operation.
FUNCTION_FILTERS = ("state",)
REVISION_FILTERS = ("state",)
ENDPOINT_FILTERS = ("authType", "autoDeploymentMode", "endpointType", "state", "updateStatus")

# stateReason is a required member of every answer; the model's enum documentation words each state, and the twin
# answers those words (AWS's reasons are not documented).
FUNCTION_REASONS = {"Pending": "The function is being created.", "Active": "The function is ready to use.",
                    "Failed": "Function creation or update failed."}
REVISION_REASONS = {"Pending": "The revision is being built.", "Active": "The revision is ready to serve traffic.",
                    "Failed": "The revision build failed."}
ENDPOINT_REASONS = {"Pending": "The endpoint is being created.",
                    "Active": "The endpoint is ready to receive traffic.",
                    "Failed": "Endpoint creation or update failed."}
DEFAULT_BUILD_FAILURE = {
    "stateReason": "The revision build failed.",
    "errors": [{"attribute": "buildConfig.codeConfig", "errorCode": "BuildFailed",
                "errorMessage": "The deployment artifact could not be built."}],
}

# Refusals (the twin's texts).
FUNCTION_NOT_FOUND = "Web function not found: {name}"
REVISION_NOT_FOUND = "Revision {revision} not found for web function {name}"
ENDPOINT_NOT_FOUND = "Endpoint {endpoint} not found for web function {name}"
BAD_NAME = ("Invalid {what}: {value}. The name can contain letters, numbers, hyphens (-), and underscores (_), and "
            "can't begin or end with a hyphen or an underscore. The name is limited to 64 characters in length.")
FUNCTION_EXISTS = "Web function already exists: {name}"
ENDPOINT_EXISTS = "Endpoint {endpoint} already exists for web function {name}"
TOO_MANY_ENDPOINTS = "A web function can have at most {max} endpoints; {name} has {count}."
WEIGHTS_SUM = "The revision weights must add up to 100 (they add up to {total})."
WEIGHTS_DUPLICATE = "Revision {revision} is named more than once in revisionWeights."
WEIGHTS_TOO_MANY = "An endpoint can route to at most two revisions ({count} given)."
WEIGHT_RANGE = "Each revision weight must be an integer from 1 to 100 ({weight} given for revision {revision})."
WEIGHTS_UNKNOWN = "Revision {revision} does not exist for web function {name}."
WEIGHTS_NOT_ACTIVE = "Revision {revision} is {state}; an endpoint can route only to Active revisions."
WEIGHTS_NEEDED = "The endpoint needs revisionWeights: web function {name} has no Active revision to serve."
CONNECTOR_HOME_ONLY = ("Revision {revision} specifies a network connector; such revisions support only HomeRegion "
                       "endpoints, not {endpoint_type}.")
REGIONS_NEEDED = ("A {endpoint_type} endpoint needs regions: specify at least one Region other than the home Region "
                  "({home}).")
REGIONS_HOME_ONLY = ("A {endpoint_type} endpoint needs at least one Region other than the home Region ({home}); "
                     "specifying only the home Region isn't allowed.")
REGIONS_FOR_HOME = "A HomeRegion endpoint takes no regions other than the home Region ({home}): {regions}."
MULTI_REGION_MODE = ("A MultiRegion endpoint requires autoDeploymentMode Disabled (the twin's "
                     "multiRegionRequiresDisabled setting).")
RATE_LIMIT_VALUE = "throttleConfig.rateLimit must be one of " + ", ".join(map(str, RATE_LIMITS)) + " ({value} given)."
UPDATE_IN_PROGRESS = ("Endpoint {endpoint} of web function {name} has an update in progress; wait for updateStatus "
                      "to become Successful or Failed before you submit another endpoint update.")
DELETE_IN_PROGRESS = ("Endpoint {endpoint} of web function {name} has an update in progress; wait for it to finish "
                      "before you delete the endpoint.")
REVISION_SERVING = "Revision {revision} is serving traffic on endpoint {endpoint} and cannot be deleted."
ENDPOINT_NEEDS_REVISION = "endpointConfig needs revisionConfig: the initial endpoint serves the initial revision."
BAD_FILTER = "Unsupported filter name {name}; supported: {supported}."
BAD_TOKEN = "Invalid nextToken: the twin did not issue it for this request."
NOT_IMPLEMENTED = "The twin does not implement lambda-web {operation}."
GET_OBJECT_ERROR = "Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"


def _now() -> str:
    """[model] DateTime, timestampFormat iso8601 (milliseconds, UTC)."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def function_arn(region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:web-function/{name}"


class WebRefusal(Exception):
    def __init__(self, status: int, code: str, message: str, resource_id: str | None = None,
                 resource_type: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.extra = dict(extra or {})
        if resource_id is not None:
            self.extra["resourceId"] = resource_id
        if resource_type is not None:
            self.extra["resourceType"] = resource_type

    def response(self) -> Response:
        return aws_error("rest-json", self.status, self.code, self.message, extra=self.extra, service=SERVICE)


def _validation(message: str) -> WebRefusal:
    return WebRefusal(400, "ValidationException", message)                       # [model] 400


def _not_found(message: str, resource_id: str, resource_type: str) -> WebRefusal:
    return WebRefusal(404, "ResourceNotFoundException", message, resource_id, resource_type)   # [model] 404


def _conflict(message: str, resource_id: str, resource_type: str) -> WebRefusal:
    return WebRefusal(409, "ConflictException", message, resource_id, resource_type)           # [model] 409


# State --------------------------------------------------------------------------------------------------------

@dataclass
class Revision:
    revision_id: str
    arn: str
    seq: int
    description: str | None
    kms_key_arn: str | None
    build_config: dict
    service_config: dict
    created_at: str
    code_sha256: str
    resolved_version: str | None
    state: str = "Pending"
    state_reason: str = REVISION_REASONS["Pending"]
    errors: list | None = None
    polls_left: int = 0
    failure: dict | None = None   # the scripted outcome, applied when the build settles


@dataclass
class Endpoint:
    name: str
    arn: str
    endpoint_type: str
    auth_type: str
    auto_mode: str
    weights: list
    regions: list
    domain_name: str
    created_at: str
    updated_at: str
    description: str | None = None
    scaling: dict | None = None
    throttle: dict | None = None
    state: str = "Pending"
    state_reason: str = ENDPOINT_REASONS["Pending"]
    # Pending (creation) ends at the next read; an initial endpoint's follows its initial revision instead.
    initial_revision: str | None = None
    update_status: str | None = None
    update_status_reason: str | None = None
    update_polls_left: int = 0
    update_failure: str | None = None
    previous: dict | None = None  # the configuration an InProgress update replaced (restored when it fails)


@dataclass
class WebFunction:
    name: str
    region: str
    arn: str
    created_at: str
    updated_at: str
    tags: dict = field(default_factory=dict)
    revisions: dict = field(default_factory=dict)   # revision id → Revision, in creation order
    endpoints: dict = field(default_factory=dict)   # endpoint name → Endpoint, in creation order
    initial_revision: str | None = None
    created_pending: bool = True  # the CreateWebFunction answer says Pending; later reads the derived state


MUTABLE_ENDPOINT_FIELDS = ("description", "auth_type", "auto_mode", "weights", "scaling", "throttle")


class WebState:
    """Every web function the twin keeps, per (region, name), and the control knobs (/_twin/web-behaviour)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        self.functions: dict[tuple[str, str], WebFunction] = {}
        self.tokens: dict[str, tuple] = {}
        self.seq = 0
        self.build_polls = 1
        self.update_polls = 1
        self.fail_next_build: dict | None = None
        self.fail_next_update: str | None = None
        self.multi_region_requires_disabled = False

    def settings(self) -> dict:
        return {"buildPolls": self.build_polls, "updatePolls": self.update_polls,
                "failNextBuild": self.fail_next_build, "failNextUpdate": self.fail_next_update,
                "multiRegionRequiresDisabled": self.multi_region_requires_disabled}

    def configure(self, body: dict) -> dict:
        """POST /_twin/web-behaviour (README, Control API)."""
        known = {"buildPolls", "updatePolls", "failNextBuild", "failNextUpdate", "multiRegionRequiresDisabled"}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
        with self.lock:
            for key, attr in (("buildPolls", "build_polls"), ("updatePolls", "update_polls")):
                if key in body:
                    value = body[key]
                    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
                        raise ValueError(f"{key} must be an integer from 0 to 1000")
                    setattr(self, attr, value)
            if "failNextBuild" in body:
                self.fail_next_build = _parse_build_failure(body["failNextBuild"])
            if "failNextUpdate" in body:
                reason = body["failNextUpdate"]
                if reason is not None and (not isinstance(reason, str) or not reason):
                    raise ValueError("failNextUpdate must be a non-empty updateStatusReason or null")
                self.fail_next_update = reason
            if "multiRegionRequiresDisabled" in body:
                if not isinstance(body["multiRegionRequiresDisabled"], bool):
                    raise ValueError("multiRegionRequiresDisabled must be true or false")
                self.multi_region_requires_disabled = body["multiRegionRequiresDisabled"]
            return self.settings()


def _parse_build_failure(value) -> dict | None:
    """failNextBuild: null, true (a default failure) or {"errors": [{attribute, errorCode, errorMessage}], "stateReason"}.
    [model] RevisionError: the three members required, 1–64 / 1–64 / 1–2048 characters; RevisionErrors 1–50."""
    if value is None or value is False:
        return None
    if value is True:
        return copy.deepcopy(DEFAULT_BUILD_FAILURE)
    if not isinstance(value, dict) or set(value) - {"errors", "stateReason"}:
        raise ValueError('failNextBuild must be null, true or {"errors": [...], "stateReason": "..."}')
    errors = value.get("errors", DEFAULT_BUILD_FAILURE["errors"])
    if not isinstance(errors, list) or not 1 <= len(errors) <= 50:
        raise ValueError("failNextBuild.errors must be a list of 1 to 50 errors")
    limits = {"attribute": 64, "errorCode": 64, "errorMessage": 2048}
    for error in errors:
        if not isinstance(error, dict) or set(error) != set(limits) or not all(
                isinstance(error[k], str) and 1 <= len(error[k]) <= n for k, n in limits.items()):
            raise ValueError("each failNextBuild error is {attribute (1-64), errorCode (1-64), errorMessage (1-2048)}")
    reason = value.get("stateReason", DEFAULT_BUILD_FAILURE["stateReason"])
    if not isinstance(reason, str) or not reason:
        raise ValueError("failNextBuild.stateReason must be a non-empty string")
    return {"errors": copy.deepcopy(errors), "stateReason": reason}


# The semantics ------------------------------------------------------------------------------------------------

def _answer(status: int, payload: dict | None) -> Response:
    headers = [("x-amzn-RequestId", new_request_id())]
    if payload is None:
        return Response(status, headers, b"")
    headers.insert(0, ("Content-Type", "application/json"))
    return Response(status, headers, json.dumps(payload).encode())


def _strip_none(value: dict) -> dict:
    return {k: v for k, v in value.items() if v is not None}


class WebSemantics:
    def __init__(self, state: WebState, moto: MotoClient) -> None:
        self.state = state
        self.moto = moto

    # Entry point ----------------------------------------------------------------------------------------------

    def handle(self, req: ProxyRequest) -> Response:
        handler = {
            "CreateWebFunction": self._create_function,
            "GetWebFunction": self._get_function,
            "ListWebFunctions": self._list_functions,
            "DeleteWebFunction": self._delete_function,
            "CreateWebFunctionRevision": self._create_revision,
            "GetWebFunctionRevision": self._get_revision,
            "ListWebFunctionRevisions": self._list_revisions,
            "DeleteWebFunctionRevision": self._delete_revision,
            "CreateWebFunctionEndpoint": self._create_endpoint,
            "GetWebFunctionEndpoint": self._get_endpoint,
            "ListWebFunctionEndpoints": self._list_endpoints,
            "UpdateWebFunctionEndpoint": self._update_endpoint,
            "DeleteWebFunctionEndpoint": self._delete_endpoint,
            "ListTags": self._list_tags,
            "TagResource": self._tag_resource,
            "UntagResource": self._untag_resource,
        }.get(req.operation or "")
        if handler is None:
            # PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy, GetWebAccountSettings, or a path the model
            # does not route: never forwarded (moto would answer something no AWS endpoint does).
            if req.operation:
                return aws_error("rest-json", 501, "NotImplemented",
                                 NOT_IMPLEMENTED.format(operation=req.operation), service=SERVICE)
            return aws_error("rest-json", 404, "UnknownOperationException",
                             f"No lambda-web operation for {req.method} {req.path}", service=SERVICE)
        body = {}
        if req.body.strip():
            try:
                body = json.loads(req.body)
            except ValueError:
                body = {}
        labels = _labels(req.path)
        try:
            with self.state.lock:
                return handler(req, body if isinstance(body, dict) else {}, labels)
        except WebRefusal as refusal:
            return refusal.response()

    # Look-ups -------------------------------------------------------------------------------------------------

    def _function(self, ref: str, region: str) -> WebFunction:
        """A functionName in the forms the model accepts: the name, or the function ARN."""
        match = FUNCTION_ARN.match(ref)
        if match:
            arn_region, account, name = match.group(2), match.group(3), match.group(4)
            if arn_region != region or account != ACCOUNT_ID:
                # The function lives in its ARN's region and account; not reachable from this request's.
                raise _not_found(FUNCTION_NOT_FOUND.format(name=ref), ref, "WebFunction")
        else:
            name = ref
            if not NAME.match(name):
                raise _validation(BAD_NAME.format(what="function name", value=name))
        fn = self.state.functions.get((region, name))
        if fn is None:
            raise _not_found(FUNCTION_NOT_FOUND.format(name=name), name, "WebFunction")
        return fn

    @staticmethod
    def _revision(fn: WebFunction, ref: str) -> Revision:
        """A revisionId: the identifier or the revision ARN."""
        match = REVISION_ARN.match(ref)
        revision_id = match.group(4) if match and match.group(3) == fn.name else ref
        rev = fn.revisions.get(revision_id)
        if rev is None or (match and rev.arn != ref):
            raise _not_found(REVISION_NOT_FOUND.format(revision=ref, name=fn.name), ref, "WebFunctionRevision")
        return rev

    @staticmethod
    def _endpoint(fn: WebFunction, ref: str) -> Endpoint:
        """An endpointName: the name or the endpoint ARN."""
        match = ENDPOINT_ARN.match(ref)
        name = match.group(4) if match and match.group(3) == fn.name else ref
        ep = fn.endpoints.get(name)
        if ep is None or (match and ep.arn != ref):
            raise _not_found(ENDPOINT_NOT_FOUND.format(endpoint=ref, name=fn.name), ref, "WebFunctionEndpoint")
        return ep

    # Reads: each one advances what is in flight (README "poll counts") ---------------------------------------

    def _observe_revision(self, fn: WebFunction, rev: Revision) -> None:
        """One read of a Pending revision: the first `buildPolls` reads see Pending, then it settles."""
        if rev.state != "Pending":
            return
        if rev.polls_left > 0:
            rev.polls_left -= 1
            return
        self._settle_revision(fn, rev)

    def _settle_revision(self, fn: WebFunction, rev: Revision) -> None:
        if rev.failure is not None:
            rev.state, rev.state_reason = "Failed", rev.failure["stateReason"]
            rev.errors = copy.deepcopy(rev.failure["errors"])
            return
        rev.state, rev.state_reason = "Active", REVISION_REASONS["Active"]
        # [DG-deploy] "Endpoints with autoDeploymentMode set to LatestRevision route all traffic to it after it
        # becomes Active"; [model] AutoDeploymentMode "LatestRevision – The endpoint automatically serves the newest
        # revision." At once, with weight 100, and not as an endpoint update (nothing documents one).
        for ep in fn.endpoints.values():
            if ep.auto_mode != "LatestRevision" or ep.initial_revision == rev.revision_id:
                continue
            if self._connector_refusal(fn, ep.endpoint_type, [rev.revision_id]) is not None:
                continue  # cannot serve it (a network connector revision on a multi-Region endpoint)
            newest = max((fn.revisions[w["revisionId"]].seq for w in ep.weights if w["revisionId"] in fn.revisions),
                         default=-1)
            if rev.seq < newest and len(ep.weights) == 1:
                continue  # it already serves a newer revision alone
            ep.weights = [{"revisionId": rev.revision_id, "weight": 100}]
            if ep.previous is not None:
                ep.previous["weights"] = copy.deepcopy(ep.weights)
            ep.updated_at = _now()

    def _observe_endpoint(self, fn: WebFunction, ep: Endpoint) -> None:
        if ep.initial_revision is not None:
            rev = fn.revisions.get(ep.initial_revision)
            if rev is not None and rev.state == "Pending":
                self._observe_revision(fn, rev)
            self._sync_initial_endpoint(fn, ep)
        elif ep.state == "Pending":
            ep.state, ep.state_reason = "Active", ENDPOINT_REASONS["Active"]  # the creation answer was Pending
        if ep.update_status == "InProgress":
            if ep.update_polls_left > 0:
                ep.update_polls_left -= 1
            else:
                self._settle_update(ep)

    @staticmethod
    def _sync_initial_endpoint(fn: WebFunction, ep: Endpoint) -> None:
        """The endpoint CreateWebFunction made is Pending while its revision builds, then Active, or Failed with
        the revision's reason (the twin's choice: nothing documents the initial endpoint's states)."""
        rev = fn.revisions.get(ep.initial_revision or "")
        if rev is None or rev.state == "Active":
            ep.state, ep.state_reason = "Active", ENDPOINT_REASONS["Active"]
            ep.initial_revision = None
        elif rev.state == "Failed":
            ep.state, ep.state_reason = "Failed", rev.state_reason
        else:
            ep.state, ep.state_reason = "Pending", ENDPOINT_REASONS["Pending"]

    @staticmethod
    def _settle_update(ep: Endpoint) -> None:
        if ep.update_failure is not None:
            # [issue] a failed update leaves the previous configuration in place; [DG-deploy] "If an update fails,
            # updateStatusReason describes the cause."
            for name, value in (ep.previous or {}).items():
                setattr(ep, name, value)
            ep.update_status, ep.update_status_reason = "Failed", ep.update_failure
        else:
            ep.update_status, ep.update_status_reason = "Successful", None
        ep.previous, ep.update_failure = None, None
        ep.updated_at = _now()

    def _observe_function(self, fn: WebFunction) -> None:
        if fn.initial_revision is not None:
            rev = fn.revisions.get(fn.initial_revision)
            if rev is not None and rev.state == "Pending":
                self._observe_revision(fn, rev)
        fn.created_pending = False

    @staticmethod
    def _function_state(fn: WebFunction) -> str:
        """[model] FunctionState. The twin's derivation (not documented): Pending in the CreateWebFunction answer and
        while its initial revision builds; Failed when that build failed; Active otherwise."""
        if fn.created_pending:
            return "Pending"
        rev = fn.revisions.get(fn.initial_revision or "")
        if rev is not None and rev.state in ("Pending", "Failed"):
            return rev.state
        return "Active"

    # Shapes ---------------------------------------------------------------------------------------------------

    def _function_view(self, fn: WebFunction) -> dict:
        state = self._function_state(fn)
        reason = FUNCTION_REASONS[state]
        if state == "Failed":
            reason = fn.revisions[fn.initial_revision].state_reason
        return {"functionName": fn.name, "functionArn": fn.arn, "state": state, "stateReason": reason,
                "createdAt": fn.created_at, "updatedAt": fn.updated_at}

    @staticmethod
    def _revision_summary(rev: Revision) -> dict:
        return _strip_none({"revisionArn": rev.arn, "revisionId": rev.revision_id, "description": rev.description,
                            "state": rev.state, "stateReason": rev.state_reason, "createdAt": rev.created_at})

    @staticmethod
    def _revision_view(fn: WebFunction, rev: Revision) -> dict:
        return _strip_none({"functionArn": fn.arn, "revisionArn": rev.arn, "revisionId": rev.revision_id,
                            "description": rev.description, "kmsKeyArn": rev.kms_key_arn,
                            "buildConfig": copy.deepcopy(rev.build_config),
                            "serviceConfig": copy.deepcopy(rev.service_config), "state": rev.state,
                            "stateReason": rev.state_reason, "errors": copy.deepcopy(rev.errors),
                            "createdAt": rev.created_at})

    @staticmethod
    def _endpoint_summary(ep: Endpoint) -> dict:
        return _strip_none({
            "endpointArn": ep.arn, "endpointName": ep.name, "description": ep.description,
            "endpointType": ep.endpoint_type, "domainName": ep.domain_name, "authType": ep.auth_type,
            "autoDeploymentMode": ep.auto_mode, "revisionWeights": copy.deepcopy(ep.weights),
            "regions": list(ep.regions), "scalingConfig": copy.deepcopy(ep.scaling),
            "throttleConfig": copy.deepcopy(ep.throttle), "state": ep.state, "stateReason": ep.state_reason,
            "updateStatus": ep.update_status, "updateStatusReason": ep.update_status_reason,
            "createdAt": ep.created_at, "updatedAt": ep.updated_at})

    def _endpoint_view(self, fn: WebFunction, ep: Endpoint) -> dict:
        view = {"functionArn": fn.arn, **self._endpoint_summary(ep)}
        # [model] RegionalEndpoints: region → RegionalEndpoint. The twin answers the endpoint's configuration and
        # states for each of its Regions (the home Region's domain is the endpoint's; a MultiRegion endpoint's
        # global domain is its domainName, each Region also gets its own).
        regional = {}
        for region in ep.regions:
            regional[region] = _strip_none({
                "domainName": ep.domain_name if ep.endpoint_type == "HomeRegion" else _regional_domain(ep, region),
                "authType": ep.auth_type, "revisionWeights": copy.deepcopy(ep.weights),
                "scalingConfig": copy.deepcopy(ep.scaling), "throttleConfig": copy.deepcopy(ep.throttle),
                "state": ep.state, "stateReason": ep.state_reason, "updateStatus": ep.update_status,
                "updateStatusReason": ep.update_status_reason})
        view["regionalEndpoints"] = regional
        return view

    # Functions ------------------------------------------------------------------------------------------------

    def _create_function(self, req, body, labels) -> Response:
        name = body.get("functionName", "")
        if not NAME.match(name):
            raise _validation(BAD_NAME.format(what="function name", value=name))
        region = req.region
        if (region, name) in self.state.functions:
            raise _conflict(FUNCTION_EXISTS.format(name=name), name, "WebFunction")
        if body.get("endpointConfig") is not None and body.get("revisionConfig") is None:
            raise _validation(ENDPOINT_NEEDS_REVISION)  # the twin's: nothing for the endpoint to serve otherwise
        now = _now()
        fn = WebFunction(name=name, region=region, arn=function_arn(region, name), created_at=now, updated_at=now,
                         tags=dict(body.get("tags") or {}))
        # Everything is checked before anything is kept: a refused request creates nothing.
        rev = None
        if body.get("revisionConfig") is not None:
            rev = self._new_revision(fn, body["revisionConfig"])
        ep = None
        if body.get("endpointConfig") is not None:
            config = body["endpointConfig"]
            ep = self._new_endpoint(fn, config, [{"revisionId": rev.revision_id, "weight": 100}], region,
                                    check_weights=False)
            ep.initial_revision = rev.revision_id
        self.state.functions[(region, name)] = fn
        answer = {}
        if rev is not None:
            self._keep_revision(fn, rev)
            fn.initial_revision = rev.revision_id
            answer["revision"] = self._revision_summary(rev)
        if ep is not None:
            fn.endpoints[ep.name] = ep
            answer["endpoint"] = self._endpoint_summary(ep)
        payload = {**self._function_view(fn), **answer}
        if fn.tags:
            payload["tags"] = dict(fn.tags)
        self._settle_at_once(fn, rev)
        return _answer(202, payload)  # [model] CreateWebFunction responseCode 202

    def _get_function(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        self._observe_function(fn)
        return _answer(200, self._function_view(fn))

    def _list_functions(self, req, body, labels) -> Response:
        functions = [fn for (region, _), fn in self.state.functions.items() if region == req.region]
        page, token = self._page(req, body, ("functions", req.region), functions, FUNCTION_FILTERS,
                                 lambda fn: {"state": self._function_state(fn)})
        for fn in page:
            self._observe_function(fn)
        return _answer(200, _strip_none({"functions": [self._function_view(fn) for fn in page], "nextToken": token}))

    def _delete_function(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        # [model] DeleteWebFunction: "Deletes a web function and all of its associated revisions and endpoints."
        # Gone at once (the WebFunctionDeleted waiter also accepts Deleting; the twin has no such phase).
        del self.state.functions[(fn.region, fn.name)]
        return _answer(204, None)

    # Revisions ------------------------------------------------------------------------------------------------

    def _new_revision(self, fn: WebFunction, config: dict) -> Revision:
        """A revision (not yet kept) from a RevisionConfig / CreateWebFunctionRevision body; its code read now."""
        build = copy.deepcopy(config.get("buildConfig") or {})
        s3_object = ((build.get("codeConfig") or {}).get("s3Object")) or {}
        data, version = self._read_code(s3_object, fn.region)
        service = copy.deepcopy(config.get("serviceConfig") or {})
        # [model] ServiceConfig: timeoutSeconds "the default is 30", maxConcurrencyPerEnvironment "the default is
        # 64", LoggingConfig logGroup "the default is /aws/lambda/web/{functionName}", applicationLogLevel and
        # systemLogLevel "the default is INFO" — each "returned in the response".
        service.setdefault("timeoutSeconds", 30)
        service.setdefault("maxConcurrencyPerEnvironment", 64)
        telemetry = service.setdefault("telemetryConfig", {})
        logging = telemetry.setdefault("loggingConfig", {})
        logging.setdefault("logGroup", f"/aws/lambda/web/{fn.name}")
        logging.setdefault("applicationLogLevel", "INFO")
        logging.setdefault("systemLogLevel", "INFO")
        self.state.seq += 1
        # Revision ids: the model documents no format (RevisionId is 1–256 characters); the twin's are 12 hex digits.
        revision_id = uuid.uuid4().hex[:12]
        failure = self.state.fail_next_build
        return Revision(revision_id=revision_id, arn=f"{fn.arn}/revision/{revision_id}", seq=self.state.seq,
                        description=config.get("description"), kms_key_arn=config.get("kmsKeyArn"),
                        build_config=build, service_config=service, created_at=_now(),
                        code_sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
                        resolved_version=version, polls_left=self.state.build_polls, failure=failure)

    def _keep_revision(self, fn: WebFunction, rev: Revision) -> None:
        if rev.failure is not None:
            self.state.fail_next_build = None  # one-shot: used by this revision
        fn.revisions[rev.revision_id] = rev
        fn.updated_at = _now()

    def _settle_at_once(self, fn: WebFunction, rev: Revision | None) -> None:
        """buildPolls 0: the revision settles right after the answer that said Pending (no read sees it Pending)."""
        if rev is not None and rev.state == "Pending" and rev.polls_left == 0 and self.state.build_polls == 0:
            self._settle_revision(fn, rev)
            for ep in fn.endpoints.values():
                if ep.initial_revision == rev.revision_id:
                    self._sync_initial_endpoint(fn, ep)

    def _read_code(self, s3_object: dict, region: str) -> tuple[bytes, str | None]:
        """[issue] The code is buildConfig.codeConfig.s3Object {bucket, key, versionId}: the object (at that version)
        must exist, else ValidationException ([model] "The request failed validation because a parameter was …
        malformed"). Read through moto as lambda_code_storage.py reads referenced code; the S3 error is named as
        Lambda names it for CreateFunction code (lambda_functions.py). A bucket in another Region is not refused:
        nothing documents a Region rule for web function code."""
        bucket, key, version = s3_object.get("bucket", ""), s3_object.get("key", ""), s3_object.get("versionId")
        target = f"/{quote(bucket, safe='')}/{quote(key, safe='/')}"
        if version:
            target += f"?versionId={quote(version, safe='')}"
        resp = self.moto.call("GET", target, "s3", region=region)
        if resp.status != 200:
            code, message = _s3_error_fields(resp.body)
            raise _validation(GET_OBJECT_ERROR.format(code=code, message=message))
        return resp.body, version or resp.header("x-amz-version-id")

    def _create_revision(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        rev = self._new_revision(fn, body)
        self._keep_revision(fn, rev)
        answer = self._revision_view(fn, rev)  # [model] "Creates an immutable revision"; state Pending (being built)
        self._settle_at_once(fn, rev)
        return _answer(202, answer)  # [model] responseCode 202

    def _get_revision(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        rev = self._revision(fn, labels["revisionId"])
        self._observe_revision(fn, rev)
        return _answer(200, self._revision_view(fn, rev))

    def _list_revisions(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        # Oldest first (the order is not documented).
        page, token = self._page(req, body, ("revisions", fn.region, fn.name), list(fn.revisions.values()),
                                 REVISION_FILTERS, lambda rev: {"state": rev.state})
        for rev in page:
            self._observe_revision(fn, rev)
        return _answer(200, _strip_none({"revisions": [self._revision_summary(r) for r in page], "nextToken": token}))

    def _delete_revision(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        rev = self._revision(fn, labels["revisionId"])
        # [model] DeleteWebFunctionRevision: "You cannot delete a revision that is currently serving traffic on an
        # endpoint"; ConflictException: "you tried to delete a revision that is serving traffic on an endpoint".
        # An InProgress update's target and the configuration it would restore both count as serving.
        for ep in fn.endpoints.values():
            named = {w["revisionId"] for w in ep.weights} | {w["revisionId"] for w in (ep.previous or {}).get(
                "weights", [])}
            if rev.revision_id in named:
                raise _conflict(REVISION_SERVING.format(revision=rev.revision_id, endpoint=ep.name), rev.revision_id,
                                "WebFunctionRevision")
        del fn.revisions[rev.revision_id]
        if fn.initial_revision == rev.revision_id:
            fn.initial_revision = None
        return _answer(204, None)

    # Endpoints ------------------------------------------------------------------------------------------------

    def _check_weights(self, fn: WebFunction, weights: list, endpoint_type: str) -> list:
        """[SAM] at most two revisions, each weight an integer from 1 to 100, adding up to 100 ([model]
        RevisionWeightList max 2, RevisionWeightWeightInteger 1–100: the shape check refuses those first); [issue]
        each named revision exists and is Active ([model] RevisionState "Active – The revision is ready to serve
        traffic", "Pending – The revision is being built"). ValidationException. Answers the weights with revision
        ARNs turned into ids."""
        if len(weights) > 2:
            raise _validation(WEIGHTS_TOO_MANY.format(count=len(weights)))
        out, seen = [], set()
        for entry in weights:
            ref, weight = entry.get("revisionId", ""), entry.get("weight")
            match = REVISION_ARN.match(ref)
            revision_id = match.group(4) if match and match.group(3) == fn.name else ref
            if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
                raise _validation(WEIGHT_RANGE.format(weight=weight, revision=ref))
            if revision_id in seen:
                raise _validation(WEIGHTS_DUPLICATE.format(revision=ref))
            seen.add(revision_id)
            out.append({"revisionId": revision_id, "weight": weight})
        total = sum(w["weight"] for w in out)
        if total != 100:
            raise _validation(WEIGHTS_SUM.format(total=total))
        for entry in out:
            rev = fn.revisions.get(entry["revisionId"])
            if rev is None:
                raise _validation(WEIGHTS_UNKNOWN.format(revision=entry["revisionId"], name=fn.name))
            if rev.state != "Active":
                raise _validation(WEIGHTS_NOT_ACTIVE.format(revision=entry["revisionId"], state=rev.state))
        refusal = self._connector_refusal(fn, endpoint_type, [w["revisionId"] for w in out])
        if refusal is not None:
            raise refusal
        return out

    @staticmethod
    def _connector_refusal(fn: WebFunction, endpoint_type: str, revision_ids: list) -> WebRefusal | None:
        """[model] ServiceConfig.egressNetworkConnectorArn: "Revisions that specify a network connector support only
        HomeRegion endpoints, not MultiRegion or PerRegion." """
        if endpoint_type == "HomeRegion":
            return None
        for revision_id in revision_ids:
            rev = fn.revisions.get(revision_id)
            if rev is not None and rev.service_config.get("egressNetworkConnectorArn"):
                return _validation(CONNECTOR_HOME_ONLY.format(revision=revision_id, endpoint_type=endpoint_type))
        return None

    @staticmethod
    def _newest_active(fn: WebFunction) -> Revision | None:
        active = [rev for rev in fn.revisions.values() if rev.state == "Active"]
        return max(active, key=lambda rev: rev.seq) if active else None

    def _check_regions(self, endpoint_type: str, regions: list | None, home: str) -> list:
        """[model] regions: "Required when the endpoint type is MultiRegion or PerRegion: specify at least one Region
        other than the Region where you create the endpoint (the home Region). The home Region is added automatically
        if you don't include it; specifying only the home Region isn't allowed. When the endpoint type is HomeRegion,
        omit this field or specify only the home Region." The home Region is answered first."""
        given = list(dict.fromkeys(regions or []))
        if endpoint_type == "HomeRegion":
            others = [r for r in given if r != home]
            if others:
                raise _validation(REGIONS_FOR_HOME.format(home=home, regions=", ".join(others)))
            return [home]
        if not given:
            raise _validation(REGIONS_NEEDED.format(endpoint_type=endpoint_type, home=home))
        others = [r for r in given if r != home]
        if not others:
            raise _validation(REGIONS_HOME_ONLY.format(endpoint_type=endpoint_type, home=home))
        return [home] + others

    @staticmethod
    def _check_throttle(throttle) -> None:
        if throttle and throttle.get("rateLimit") is not None and throttle["rateLimit"] not in RATE_LIMITS:
            raise _validation(RATE_LIMIT_VALUE.format(value=throttle["rateLimit"]))

    def _new_endpoint(self, fn: WebFunction, config: dict, weights: list | None, home: str,
                      check_weights: bool = True) -> Endpoint:
        name = config.get("endpointName", "")
        if not NAME.match(name):
            raise _validation(BAD_NAME.format(what="endpoint name", value=name))
        if name in fn.endpoints:
            raise _conflict(ENDPOINT_EXISTS.format(endpoint=name, name=fn.name), name, "WebFunctionEndpoint")
        if len(fn.endpoints) >= MAX_ENDPOINTS:
            raise WebRefusal(402, "ServiceQuotaExceededException",
                             TOO_MANY_ENDPOINTS.format(max=MAX_ENDPOINTS, name=fn.name, count=len(fn.endpoints)),
                             fn.name, "WebFunction")
        endpoint_type = config.get("endpointType", "HomeRegion")
        # [model] autoDeploymentMode: "If you don't specify a value, the default is Disabled, and this default is
        # returned in the response."
        mode = config.get("autoDeploymentMode") or "Disabled"
        if endpoint_type == "MultiRegion" and mode != "Disabled" and self.state.multi_region_requires_disabled:
            raise _validation(MULTI_REGION_MODE)  # not documented: off unless the control API turns it on
        regions = self._check_regions(endpoint_type, config.get("regions"), home)
        self._check_throttle(config.get("throttleConfig"))
        if check_weights:
            if weights:
                weights = self._check_weights(fn, weights, endpoint_type)
            else:
                # No revisionWeights (optional in the request, required in the answer): the endpoint serves the newest
                # Active revision (the twin's choice; "LatestRevision … serves the newest revision").
                newest = self._newest_active(fn)
                if newest is None:
                    raise _validation(WEIGHTS_NEEDED.format(name=fn.name))
                weights = self._check_weights(fn, [{"revisionId": newest.revision_id, "weight": 100}], endpoint_type)
        now = _now()
        digest = hashlib.sha256(f"{fn.arn}/{name}/{uuid.uuid4()}".encode()).hexdigest()[:16]
        return Endpoint(
            name=name, arn=f"{fn.arn}/endpoint/{name}", endpoint_type=endpoint_type,
            auth_type=config.get("authType", "ApplicationManaged"), auto_mode=mode, weights=weights or [],
            regions=regions, domain_name=f"{digest}.web.lambda.{home if endpoint_type == 'HomeRegion' else 'global'}"
                                         f".on.aws",
            created_at=now, updated_at=now, description=config.get("description"),
            scaling=config.get("scalingConfig") or None, throttle=config.get("throttleConfig") or None)

    def _create_endpoint(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        ep = self._new_endpoint(fn, body, body.get("revisionWeights"), fn.region)
        fn.endpoints[ep.name] = ep
        fn.updated_at = _now()
        return _answer(202, self._endpoint_view(fn, ep))  # [model] responseCode 202; state Pending

    def _get_endpoint(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        ep = self._endpoint(fn, labels["endpointName"])
        self._observe_endpoint(fn, ep)
        return _answer(200, self._endpoint_view(fn, ep))

    def _list_endpoints(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        page, token = self._page(req, body, ("endpoints", fn.region, fn.name), list(fn.endpoints.values()),
                                 ENDPOINT_FILTERS, lambda ep: {
                                     "authType": ep.auth_type, "autoDeploymentMode": ep.auto_mode,
                                     "endpointType": ep.endpoint_type, "state": ep.state,
                                     "updateStatus": ep.update_status})
        for ep in page:
            self._observe_endpoint(fn, ep)
        return _answer(200, _strip_none({"endpoints": [self._endpoint_summary(ep) for ep in page],
                                         "nextToken": token}))

    def _update_endpoint(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        ep = self._endpoint(fn, labels["endpointName"])
        if ep.update_status == "InProgress":
            # [DG-deploy] "Wait for updateStatus to become Successful before you … submit another endpoint update";
            # [model] ConflictException: "the resource is being modified by another request". Until a read has seen
            # the update finish (README "poll counts").
            raise _conflict(UPDATE_IN_PROGRESS.format(endpoint=ep.name, name=fn.name), ep.name, "WebFunctionEndpoint")
        new = self._updated_fields(fn, ep, body)
        ep.previous = {name: copy.deepcopy(getattr(ep, name)) for name in MUTABLE_ENDPOINT_FIELDS}
        for name, value in new.items():
            setattr(ep, name, value)
        ep.update_status, ep.update_status_reason = "InProgress", None
        ep.update_polls_left = self.state.update_polls
        ep.update_failure, self.state.fail_next_update = self.state.fail_next_update, None
        ep.updated_at = fn.updated_at = _now()
        # [model] responseCode 202; [DG-deploy] an asynchronous update: the answer shows the requested configuration
        # with updateStatus InProgress.
        answer = self._endpoint_view(fn, ep)
        if self.state.update_polls == 0:
            self._settle_update(ep)
        return _answer(202, answer)

    def _updated_fields(self, fn: WebFunction, ep: Endpoint, body: dict) -> dict:
        """The endpoint's fields an UpdateWebFunctionEndpoint body changes. [model] "Omit this field to keep the
        current …" (description, authType, autoDeploymentMode, scalingConfig, throttleConfig); scalingConfig /
        throttleConfig "specify an empty object to clear a previously set value"."""
        new: dict = {}
        if "description" in body:
            new["description"] = body["description"]
        if "authType" in body:
            new["auth_type"] = body["authType"]
        mode = body.get("autoDeploymentMode", ep.auto_mode)
        if ep.endpoint_type == "MultiRegion" and mode != "Disabled" and self.state.multi_region_requires_disabled:
            raise _validation(MULTI_REGION_MODE)
        new["auto_mode"] = mode
        if "scalingConfig" in body:
            new["scaling"] = body["scalingConfig"] or None
        if "throttleConfig" in body:
            self._check_throttle(body["throttleConfig"])
            new["throttle"] = body["throttleConfig"] or None
        if body.get("revisionWeights") is not None:
            new["weights"] = self._check_weights(fn, body["revisionWeights"], ep.endpoint_type)
        elif mode == "LatestRevision" and ep.auto_mode != "LatestRevision":
            # Turning LatestRevision on: the endpoint serves the newest Active revision (at weight 100).
            newest = self._newest_active(fn)
            if newest is not None and self._connector_refusal(fn, ep.endpoint_type, [newest.revision_id]) is None:
                new["weights"] = [{"revisionId": newest.revision_id, "weight": 100}]
        return new

    def _delete_endpoint(self, req, body, labels) -> Response:
        fn = self._function(labels["functionName"], req.region)
        ep = self._endpoint(fn, labels["endpointName"])
        if ep.update_status == "InProgress":
            # The twin's choice ([model] ConflictException: "the resource is being modified by another request").
            raise _conflict(DELETE_IN_PROGRESS.format(endpoint=ep.name, name=fn.name), ep.name, "WebFunctionEndpoint")
        del fn.endpoints[ep.name]
        fn.updated_at = _now()
        return _answer(204, None)

    # Tags (the model's ListTags / TagResource / UntagResource: on a web function, by its ARN) -------------------

    def _tagged(self, req, labels) -> WebFunction:
        arn = labels["resource"]
        match = FUNCTION_ARN.match(arn)
        if not match:
            raise _validation(f"Invalid resource ARN: {arn}")
        return self._function(arn, req.region)

    def _list_tags(self, req, body, labels) -> Response:
        return _answer(200, {"Tags": dict(self._tagged(req, labels).tags)})

    def _tag_resource(self, req, body, labels) -> Response:
        fn = self._tagged(req, labels)
        fn.tags.update(body.get("Tags") or {})
        return _answer(204, None)

    def _untag_resource(self, req, body, labels) -> Response:
        fn = self._tagged(req, labels)
        for key, value in parse_qsl(req.query, keep_blank_values=True):
            if key == "tagKeys":
                fn.tags.pop(value, None)
        return _answer(204, None)

    # Pages ----------------------------------------------------------------------------------------------------

    def _page(self, req, body, scope: tuple, items: list, supported: tuple, fields) -> tuple[list, str | None]:
        """[model] filters (name + values; a value matches any of the given), maxResults (default 50), nextToken
        (pattern [a-f0-9-]{36}: the twin issues UUIDs, each good for the request it continues)."""
        filters = body.get("filters") or []
        for entry in filters:
            if entry.get("name") not in supported:
                raise _validation(BAD_FILTER.format(name=entry.get("name"), supported=", ".join(supported)))
        if filters:
            items = [item for item in items
                     if all(fields(item).get(f["name"]) in f.get("values", []) for f in filters)]
        limit = body.get("maxResults") or LIST_DEFAULT
        start = 0
        token = body.get("nextToken")
        key = (scope, json.dumps(filters, sort_keys=True))
        if token:
            issued = self.state.tokens.pop(token, None)
            if issued is None or issued[0] != key:
                raise _validation(BAD_TOKEN)
            start = issued[1]
        page = items[start:start + limit]
        next_token = None
        if start + limit < len(items):
            next_token = str(uuid.uuid4())
            self.state.tokens[next_token] = (key, start + limit)
        return page, next_token

    # Control API (README, Control API) ------------------------------------------------------------------------

    def seed(self, body: dict) -> dict:
        """POST /_twin/web-function: a web function with Active revisions (code put in S3 through moto) and one
        endpoint, settled at once."""
        known = {"name", "region", "bucket", "revisions", "runtime", "executionRoleArn", "endpoint"}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
        name = body.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise ValueError("name must be a web function name (letters, digits, - and _, 1-64)")
        region = control_region(body)
        if (region, name) in self.state.functions:
            raise ControlRefusal(409, f"web function {name} already exists in {region}")
        bucket = body.get("bucket") or "twin-web-code"
        revisions = body.get("revisions", 1)
        if isinstance(revisions, int) and not isinstance(revisions, bool):
            revisions = [f"// {name} revision {i + 1}\n" for i in range(revisions)]
        if not isinstance(revisions, list) or not 1 <= len(revisions) <= 20 or not all(
                isinstance(r, str) for r in revisions):
            raise ValueError("revisions must be a count (1-20) or a list of source texts (one zip each)")
        endpoint = body.get("endpoint", {})
        if endpoint is not None and not isinstance(endpoint, dict):
            raise ValueError("endpoint must be an object or null")
        role = body.get("executionRoleArn") or f"arn:aws:iam::{ACCOUNT_ID}:role/twin-web-role"
        runtime = body.get("runtime") or "nodejs22.x"
        self._ensure_bucket(bucket, region)
        now = _now()
        fn = WebFunction(name=name, region=region, arn=function_arn(region, name), created_at=now, updated_at=now,
                         created_pending=False)
        made = []
        for i, source in enumerate(revisions, start=1):
            key = f"{name}/revision-{i}.zip"
            put = self.moto.call("PUT", f"/{quote(bucket, safe='')}/{quote(key, safe='/')}", "s3", _zip(source),
                                 "application/zip", region=region)
            if put.status != 200:
                raise ControlRefusal(502, f"moto PutObject: {put.status} {put.body[:200]!r}")
            s3_object = {"bucket": bucket, "key": key, "versionId": put.header("x-amz-version-id")}
            config = {"buildConfig": {"codeConfig": {"s3Object": _strip_none(s3_object)},
                                      "runtimeConfig": {"runtime": runtime}},
                      "serviceConfig": {"executionRoleArn": role}}
            saved = self.state.fail_next_build
            self.state.fail_next_build = None
            try:
                rev = self._new_revision(fn, config)
            finally:
                self.state.fail_next_build = saved
            rev.state, rev.state_reason, rev.polls_left = "Active", REVISION_REASONS["Active"], 0
            fn.revisions[rev.revision_id] = rev
            made.append(rev)
        answer = {"functionName": name, "functionArn": fn.arn, "region": region,
                  "revisions": [self._revision_record(rev) for rev in made]}
        if endpoint is not None:
            config = {"endpointName": endpoint.get("name", "live"),
                      "endpointType": endpoint.get("endpointType", "HomeRegion"),
                      "authType": endpoint.get("authType", "ApplicationManaged"),
                      "autoDeploymentMode": endpoint.get("autoDeploymentMode", "Disabled"),
                      "description": endpoint.get("description"), "regions": endpoint.get("regions")}
            weights = endpoint.get("weights")
            if weights is None:
                weights = {str(len(made)): 100}
            if not isinstance(weights, dict):
                raise ValueError('endpoint.weights maps a revision\'s ordinal ("1", "2", …) to its weight')
            try:
                as_list = [{"revisionId": made[int(k) - 1].revision_id, "weight": w} for k, w in weights.items()]
            except (ValueError, IndexError):
                raise ValueError(f"endpoint.weights names revisions 1 to {len(made)} by ordinal") from None
            try:
                ep = self._new_endpoint(fn, _strip_none(config), as_list, region)
            except WebRefusal as refusal:
                raise ControlRefusal(400, refusal.message) from None
            ep.state, ep.state_reason = "Active", ENDPOINT_REASONS["Active"]
            fn.endpoints[ep.name] = ep
            answer["endpoint"] = self._endpoint_view(fn, ep)
        self.state.functions[(region, name)] = fn
        return answer

    @staticmethod
    def _revision_record(rev: Revision) -> dict:
        s3_object = rev.build_config["codeConfig"]["s3Object"]
        return {"revisionId": rev.revision_id, "revisionArn": rev.arn, "state": rev.state,
                "codeSha256": rev.code_sha256,
                "s3Object": {"bucket": s3_object["bucket"], "key": s3_object["key"],
                             "versionId": rev.resolved_version},
                "buildPollsLeft": rev.polls_left if rev.state == "Pending" else 0}

    def describe(self, params: dict) -> dict:
        """GET /_twin/web-function?name=NAME[&region=R]: what the twin keeps, no read counted."""
        region = control_region({"region": params.get("region") or DEFAULT_REGION})
        fn = self.state.functions.get((region, params.get("name") or ""))
        if fn is None:
            raise ControlRefusal(404, f"no web function {params.get('name')!r} in {region}")
        return {"functionName": fn.name, "functionArn": fn.arn, "region": region,
                "state": self._function_state(fn), "tags": dict(fn.tags),
                "revisions": [self._revision_record(rev) for rev in fn.revisions.values()],
                "endpoints": {ep.name: {**self._endpoint_summary(ep), "updatePollsLeft": ep.update_polls_left}
                              for ep in fn.endpoints.values()}}

    def set_endpoint(self, body: dict) -> dict:
        """POST /_twin/web-endpoint: someone else changes an endpoint's routing, settled at once (no update in
        flight afterwards; an InProgress one is replaced)."""
        known = {"function", "endpoint", "region", "weights", "autoDeploymentMode", "description"}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
        region = control_region(body)
        fn = self.state.functions.get((region, body.get("function") or ""))
        if fn is None:
            raise ControlRefusal(404, f"no web function {body.get('function')!r} in {region}")
        ep = fn.endpoints.get(body.get("endpoint") or "")
        if ep is None:
            raise ControlRefusal(404, f"no endpoint {body.get('endpoint')!r} on {fn.name}")
        mode = body.get("autoDeploymentMode", ep.auto_mode)
        if mode not in ("LatestRevision", "Disabled"):
            raise ValueError("autoDeploymentMode must be LatestRevision or Disabled")
        try:
            weights = self._check_weights(fn, body["weights"], ep.endpoint_type) if "weights" in body else ep.weights
        except WebRefusal as refusal:
            raise ControlRefusal(400, refusal.message) from None
        ep.weights, ep.auto_mode = weights, mode
        if "description" in body:
            ep.description = body["description"]
        ep.update_status, ep.update_status_reason, ep.previous, ep.update_failure = "Successful", None, None, None
        ep.update_polls_left = 0
        ep.updated_at = _now()
        return self._endpoint_view(fn, ep)

    def _ensure_bucket(self, bucket: str, region: str) -> None:
        head = self.moto.call("HEAD", f"/{quote(bucket, safe='')}", "s3")
        if head.status == 200:
            return
        body = b""
        if region != "us-east-1":
            body = (f'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                    f"<LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>").encode()
        made = self.moto.call("PUT", f"/{quote(bucket, safe='')}", "s3", body, "application/xml", region=region)
        if made.status != 200:
            raise ControlRefusal(502, f"moto CreateBucket: {made.status} {made.body[:200]!r}")
        versioning = (b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                      b"<Status>Enabled</Status></VersioningConfiguration>")
        self.moto.call("PUT", f"/{quote(bucket, safe='')}?versioning", "s3", versioning, "application/xml",
                       region=region)


def _zip(source: str) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(zipfile.ZipInfo("index.mjs", (1980, 1, 1, 0, 0, 0)), source)
    return buf.getvalue()


def _regional_domain(ep: Endpoint, region: str) -> str:
    return f"{ep.domain_name.split('.', 1)[0]}.web.lambda.{region}.on.aws"


def _labels(path: str) -> dict:
    """The uri labels of a lambda-web path (decoded)."""
    parts = [unquote(p) for p in path.split("/") if p]
    labels: dict[str, str] = {}
    if len(parts) >= 3 and parts[1] == "web-functions":
        labels["functionName"] = parts[2]
        if len(parts) >= 5 and parts[3] == "revisions":
            labels["revisionId"] = parts[4]
        if len(parts) >= 5 and parts[3] == "endpoints":
            labels["endpointName"] = parts[4]
    if len(parts) >= 3 and parts[1] == "tags":
        labels["resource"] = "/".join(parts[2:])
    return labels
