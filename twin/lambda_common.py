"""What the Lambda modules share (lambda_semantics.py puts them together): $LATEST and the API's
path, the model's enums, a FunctionName in its accepted forms and its region, the control API's
region and function fields, RevisionIds, and the JSON and error responses the twin answers with."""

from __future__ import annotations

import json
import re
import uuid
from typing import Callable
from urllib.parse import unquote

from .defaults import DEFAULT_REGION
from .errors import aws_error
from .messages import Response

LATEST = "$LATEST"
# What the control API accepts as a region (e.g. us-east-1, eu-west-1, ap-southeast-2, us-gov-west-1).
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
API = "/2015-03-31/functions"
# The codes the Lambda model allows (botocore's lambda service-2.json, StateReasonCode /
# LastUpdateStatusReasonCode); the control API refuses anything else.
_STATE_CODES_CACHE: dict[str, list[str]] = {}


def model_enum(shape_name: str) -> list[str]:
    if shape_name not in _STATE_CODES_CACHE:
        import botocore.session

        model = botocore.session.get_session().get_service_model("lambda")
        _STATE_CODES_CACHE[shape_name] = list(model.shape_for(shape_name).enum)
    return _STATE_CODES_CACHE[shape_name]


# A FunctionName ARN naming another region than the request's. Not documented; observed wording
# (ResourceNotFoundException, e.g. alexcasalboni/aws-lambda-power-tuning#18).
ARN_ELSEWHERE = "Functions from '{arn_region}' are not reachable in this region ('{region}')"
PRECONDITION_MESSAGE = ("The Revision Id provided does not match the latest Revision Id. "
                        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

Forward = Callable[..., Response]


def new_revision() -> str:
    return str(uuid.uuid4())


class ControlRefusal(Exception):
    """A control-API request refused with an HTTP status (control.py answers it as such)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def control_region(body: dict) -> str:
    """The optional "region" of a control-API body (default us-east-1)."""
    region = body.get("region")
    if region is None:
        return DEFAULT_REGION
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        raise ValueError("region must be a region name such as us-east-1 or eu-west-1")
    return region


def function_path(req) -> tuple[list[str], str, str | None] | None:
    """A Lambda request about one function: its path's parts, the function's name and the path's
    qualifier (name:qualifier); None for any other path."""
    parts = [p for p in req.path.split("/") if p]
    if len(parts) < 3 or parts[1] != "functions":
        return None
    name, qualifier = parse_function_ref(parts[2])
    return parts, name, qualifier


def control_function(body: dict, allowed: set[str]) -> tuple[str, str]:
    """(region, function name) of a control-API body about one function: its fields limited to
    `allowed` (with "function" and "region"), "function" required."""
    unknown = sorted(set(body) - allowed - {"function", "region"})
    if unknown:
        raise ValueError("unknown field(s): " + ", ".join(unknown))
    function = body.get("function")
    if not isinstance(function, str) or not function:
        raise ValueError("function is required (a function name)")
    region = control_region(body)
    name, _ = parse_function_ref(function)
    return region, name


def arn_region(ref: str) -> str | None:
    """The region of a full function ARN (arn:aws:lambda:REGION:…), else None."""
    ref = unquote(ref)
    if not ref.startswith("arn:"):
        return None
    parts = ref.split(":")
    return parts[3] or None if len(parts) > 3 else None


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


def dead_letter_target(body: dict) -> str | None:
    """DeadLetterConfig.TargetArn of a CreateFunction / UpdateFunctionConfiguration body (None for
    none: an empty or missing TargetArn removes the queue)."""
    config = body.get("DeadLetterConfig")
    target = config.get("TargetArn") if isinstance(config, dict) else None
    return target if isinstance(target, str) and target else None


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
