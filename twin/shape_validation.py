"""Request shapes checked against botocore's own service models, generically.

AWS services validate every request against the same Smithy/Coral model that
botocore ships (botocore/data/<service>/<version>/service-2.json): member
names, types, `enum`, `pattern`, `min`/`max` (string and list/map length,
number range) and `required`. moto checks almost none of it, so the proxy
does, for every operation it sees, before any semantics or moto:

- Lambda (rest-json): uri labels, querystring and header members, and the
  JSON body (unknown members too).
- CloudWatch JSON 1.0 and STS / CloudWatch query: the body (JSON members, or
  the query protocol's flattened `A.member.1.B` parameters re-assembled).
- S3 (rest-xml): uri labels, querystring and header members only; XML
  bodies are not checked.

Answers (the constraint messages follow Coral's wording as AWS returns it,
e.g. "1 validation error detected: Value 'x y' at 'functionName' failed to
satisfy constraint: Member must satisfy regular expression pattern: ...";
see the Lambda API reference "Common Errors" page, ValidationException, and
the CloudWatch / STS "Common Errors" pages, ValidationError):

- Lambda: 400 ValidationException for constraint and required-member
  violations; 400 InvalidRequestContentException "Could not parse request
  body into json: ..." for unknown members, wrong JSON types and unparseable
  bodies. AWS's exact text for unknown members comes from its JSON binder
  (observed in the wild as `Unrecognized field "X" (class ...), not marked as
  ignorable`); the class name part is unknown, so the twin omits it.
- CloudWatch (query and JSON 1.0): 400 ValidationError for constraints;
  400 InvalidParameterValue for unknown members / wrong types (AWS's exact
  code and wording for those is unknown). JSON answers carry
  `x-amzn-query-error: <code>;Sender` as CloudWatch's awsQueryCompatible
  JSON errors do.
- STS: 400 ValidationError for everything (wording for type errors unknown).
- ECR (JSON 1.1): 400 InvalidParameterException "Invalid parameter at 'imageIds' failed to
  satisfy constraint: 'Member must have length greater than or equal to 1'" for the first
  violation (ECR's wording as observed, e.g. puemos/aws-lambda-ecr-cleaner#3, and as moto
  words its own repository-name check; the ECR model's InvalidParameterException, "The
  specified parameter is invalid"). Unknown members and wrong types get the same code
  (what ECR answers for those is unknown).
- CloudWatch Logs (JSON 1.1): 400 InvalidParameterException with the Coral message for every
  violation (the message as AWS answers a bad logGroupName; unknown members and wrong types get the
  same code, what Logs answers for those is unknown).
- Signer (rest-json): 400 ValidationException (the model's one 400 error; Signer API reference,
  "Common Errors" and StartSigningJob Errors) with the Coral message, for every violation,
  unknown members and wrong types included (what Signer answers for those is unknown).
- Lambda Web Functions (`lambda-web`, rest-json, signed for `lambda`): the same as Signer: 400
  ValidationException (its model's one 400 error: "a parameter was missing, malformed, or outside
  the allowed range") with the Coral message for every violation, unknown members, wrong types and
  unparseable bodies included (what the service answers for those is unknown).
- S3: 400 InvalidArgument with ArgumentName / ArgumentValue elements (S3 API
  reference, "Error responses": InvalidArgument "Invalid Argument", 400);
  an invalid x-amz-storage-class is 400 InvalidStorageClass ("The storage
  class you specified is not valid", same page). S3's exact messages per
  argument are unknown; the twin's are generic.

Where AWS's exact wording is unknown the twin keeps the code and status
(what SDKs and our client branch on) and says so above.
Patterns are Java regexes matched whole (String.matches); the `regex`
module (which knows \\p{L}) is used when installed, else `re`; a pattern
neither compiles is skipped. Lengths are counted in UTF-16 code units, as
Java's String.length() does. Sensitive members' values are not echoed
(whether AWS prints them is unknown; it would be a leak either way).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote

from .errors import aws_error
from .messages import ProxyRequest, Response

try:  # pragma: no cover - depends on the environment
    import regex as _regex_module
except ImportError:  # pragma: no cover
    _regex_module = None

SERVICE_MODELS = {"lambda": "lambda", "s3": "s3", "sts": "sts", "monitoring": "cloudwatch", "ecr": "ecr",
                  "signer": "signer", "logs": "logs", "lambda-web": "lambda-web"}
MAX_REPORTED = 10  # Coral lists every violation; we cap the message, not the count


@dataclass
class Violation:
    kind: str          # "constraint" | "required" | "unknown" | "type"
    path: str          # Coral member path: 'routingConfig.additionalVersionWeights'
    value: object
    message: str       # "Member must ..." (constraint / required) or a parse message
    sensitive: bool = False
    wire_name: str = ""  # S3: the header / query name the value came in


class _Absent:
    pass


ABSENT = _Absent()


@lru_cache(maxsize=8)
def service_model(model_name: str):
    import botocore.session

    return botocore.session.get_session().get_service_model(model_name)


@lru_cache(maxsize=512)
def _compiled(pattern: str):
    for module in ((_regex_module,) if _regex_module else ()) + (re,):
        try:
            return module.compile(pattern)
        except Exception:  # noqa: BLE001 - Java-only syntax: try the next engine
            continue
    return None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _segment(name: str) -> str:
    """Coral's path segment for a member: the name with its first letter lowercased."""
    return name[:1].lower() + name[1:] if name else name


def _render(value) -> str:
    """A value as Coral prints it (Java toString of the bound object)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def _fmt_number(value) -> str:
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return repr(value)
    return str(value)


# Scalar coercion for text carriers (uri, querystring, header, query protocol) --------------

def _coerce_text(shape, text: str):
    """(value, problem): a textual member converted to its model type."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text.strip()), None
        except ValueError:
            return None, f"Value '{text}' is not a valid {kind}"
    if kind in ("float", "double"):
        try:
            value = float(text.strip())
        except ValueError:
            return None, f"Value '{text}' is not a valid number"
        return value, None
    if kind == "boolean":
        if text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true", None
        return None, f"Value '{text}' is not a valid boolean"
    return text, None


# The validator ---------------------------------------------------------------------------

class _Validator:
    def __init__(self, textual: bool) -> None:
        self.textual = textual  # values arrive as strings (query protocol)
        self.violations: list[Violation] = []

    def add(self, kind, path, value, message, shape=None, wire_name=""):
        sensitive = bool(shape is not None and shape.metadata.get("sensitive"))
        self.violations.append(Violation(kind, path, value, message, sensitive, wire_name))

    def check(self, shape, value, path: str, wire_name: str = "") -> None:
        if value is None or value is ABSENT:
            return
        kind = shape.type_name
        if self.textual and isinstance(value, str) and kind not in ("string", "blob", "timestamp"):
            coerced, problem = _coerce_text(shape, value)
            if problem:
                self.add("type", path, value, problem, shape, wire_name)
                return
            value = coerced
        if kind == "structure":
            self._structure(shape, value, path)
        elif kind == "list":
            self._list(shape, value, path, wire_name)
        elif kind == "map":
            self._map(shape, value, path)
        else:
            problems = self.scalar_problems(shape, value)
            if problems is None:
                self.add("type", path, value, f"expected {kind}", shape, wire_name)
            for message in problems or []:
                self.add("constraint", path, value, message, shape, wire_name)

    def _structure(self, shape, value, path: str) -> None:
        if not isinstance(value, dict):
            self.add("type", path, value, "expected an object", shape)
            return
        members = shape.members
        for key in value:
            if key not in members:
                self.add("unknown", f"{path}.{key}" if path else key, value[key],
                         f'Unrecognized field "{key}", not marked as ignorable')
        for required in shape.required_members:
            if value.get(required) is None:
                self.add("required", self._child(path, required), None, "Member must not be null",
                         members.get(required))
        for name, member in members.items():
            if name in value:
                self.check(member, value[name], self._child(path, name))

    @staticmethod
    def _child(path: str, name: str) -> str:
        return f"{path}.{_segment(name)}" if path else _segment(name)

    def _list(self, shape, value, path: str, wire_name: str = "") -> None:
        if not isinstance(value, list):
            self.add("type", path, value, "expected an array", shape)
            return
        self._length(shape, value, len(value), path, wire_name)
        for index, item in enumerate(value, start=1):
            self.check(shape.member, item, f"{path}.{index}.member")

    def _map(self, shape, value, path: str) -> None:
        if not isinstance(value, dict):
            self.add("type", path, value, "expected an object", shape)
            return
        self._length(shape, value, len(value), path)
        key_problems, value_problems = [], []
        for key, item in value.items():
            for message in self.scalar_problems(shape.key, key) or []:
                if message not in key_problems:
                    key_problems.append(message)
            if item is None:
                continue
            if shape.value.type_name in ("structure", "list", "map"):
                self.check(shape.value, item, f"{path}.{key}")
                continue
            if self.textual and isinstance(item, str) and shape.value.type_name != "string":
                coerced, problem = _coerce_text(shape.value, item)
                if problem:
                    self.add("type", path, item, problem, shape.value)
                    continue
                item = coerced
            problems = self.scalar_problems(shape.value, item)
            if problems is None:
                self.add("type", f"{path}.{key}", item, f"expected {shape.value.type_name}", shape.value)
                continue
            for message in problems:
                if message not in value_problems:
                    value_problems.append(message)
        # Coral reports element constraints of a map once, at the map:
        # "Map keys must satisfy constraint: [...]" / "Map value must satisfy constraint: [...]".
        if key_problems:
            self.add("constraint", path, value, "Map keys must satisfy constraint: [" + ", ".join(key_problems) + "]", shape)
        if value_problems:
            self.add("constraint", path, value, "Map value must satisfy constraint: [" + ", ".join(value_problems) + "]", shape)

    def _length(self, shape, value, length: int, path: str, wire_name: str = "") -> None:
        meta = shape.metadata
        if "max" in meta and length > meta["max"]:
            self.add("constraint", path, value, f"Member must have length less than or equal to {meta['max']}", shape, wire_name)
        if "min" in meta and length < meta["min"]:
            self.add("constraint", path, value, f"Member must have length greater than or equal to {meta['min']}", shape, wire_name)

    def scalar_problems(self, shape, value) -> list[str] | None:
        """Constraint messages for a scalar, or None when its JSON type is wrong."""
        kind, meta = shape.type_name, shape.metadata
        out: list[str] = []
        if kind == "string":
            if not isinstance(value, str):
                return None
            length = _utf16_len(value)
            if "max" in meta and length > meta["max"]:
                out.append(f"Member must have length less than or equal to {meta['max']}")
            if "min" in meta and length < meta["min"]:
                out.append(f"Member must have length greater than or equal to {meta['min']}")
            if meta.get("pattern"):
                compiled = _compiled(meta["pattern"])
                if compiled is not None and compiled.fullmatch(value) is None:
                    out.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
            if shape.enum and value not in shape.enum:
                out.append("Member must satisfy enum value set: [" + ", ".join(shape.enum) + "]")
            return out
        if kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    return None
        elif kind in ("float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
        elif kind == "boolean":
            return [] if isinstance(value, bool) else None
        elif kind == "blob":
            if not isinstance(value, str):
                return None
            if not self.textual:
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    return None
            return []
        elif kind == "timestamp":
            return [] if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
        else:  # document and anything newer: not checked
            return []
        if "max" in meta and value > meta["max"]:
            out.append(f"Member must have value less than or equal to {_fmt_number(meta['max'])}")
        if "min" in meta and value < meta["min"]:
            out.append(f"Member must have value greater than or equal to {_fmt_number(meta['min'])}")
        return out


# Reading the members off the wire --------------------------------------------------------

def _uri_labels(request_uri: str, path: str) -> dict[str, str] | None:
    """{label: decoded value} when `path` matches the model's requestUri."""
    template = request_uri.split("?", 1)[0]
    names: list[str] = []
    pattern = ""
    for piece in re.split(r"(\{[^}]+\})", template.rstrip("/") or "/"):
        if piece.startswith("{"):
            greedy = piece.endswith("+}")
            names.append(piece[1:-2] if greedy else piece[1:-1])
            pattern += "(.*)" if greedy else "([^/]*)"
        else:
            pattern += re.escape(piece)
    match = re.match("^" + pattern + "/?$", path)
    if match is None:
        return None
    return {name: unquote(value) for name, value in zip(names, match.groups())}


def _rest_members(op, req: ProxyRequest, body_value) -> dict:
    """The input structure of a REST request as a dict, from uri, query, headers and body."""
    shape = op.input_shape
    value: dict = {} if not isinstance(body_value, dict) else dict(body_value)
    labels = _uri_labels(op.http.get("requestUri", "/"), req.path) or {}
    query_pairs = parse_qsl(req.query, keep_blank_values=True)
    headers = req.lower_headers()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location is None and wire != name and wire in value:
            value[name] = value.pop(wire)  # a body member with its own wire name (lambda-web TagResource "Tags")
        elif location == "uri":
            if wire in labels:
                value[name] = labels[wire]
        elif location == "querystring":
            if member.type_name == "map":
                continue  # a catch-all map of parameters: nothing to check
            found = [v for k, v in query_pairs if k == wire]
            if found:
                value[name] = found if member.type_name == "list" else found[0]
        elif location == "header":
            raw = headers.get(wire.lower())
            if raw is not None:
                if member.type_name == "list":
                    value[name] = [part.strip() for part in raw.split(",")]
                elif member.type_name in ("string", "integer", "long", "float", "double", "boolean"):
                    value[name] = raw
        elif location == "headers":
            continue  # x-amz-meta-* style prefix maps
    return value


def _query_value(shape, params: dict[str, str], key: str):
    """Rebuild one query-protocol member (botocore's QuerySerializer, reversed)."""
    kind = shape.type_name
    if kind == "structure":
        prefix = key + "." if key else ""
        if key and not any(k.startswith(prefix) for k in params):
            return ABSENT
        out = {}
        for name, member in shape.members.items():
            child = _query_value(member, params, prefix + member.serialization.get("name", name))
            if child is not ABSENT:
                out[name] = child
        return out
    if kind == "list":
        if key in params and params[key] == "":
            return []
        flattened = shape.serialization.get("flattened")
        item_name = shape.member.serialization.get("name", "member")
        prefix = f"{key}." if flattened else f"{key}.{item_name}."
        indices = sorted({int(m.group(1)) for k in params
                          for m in [re.match(re.escape(prefix) + r"(\d+)(?:\.|$)", k)] if m})
        if not indices:
            return ABSENT
        return [_query_value(shape.member, params, f"{prefix}{i}") for i in indices]
    if kind == "map":
        flattened = shape.serialization.get("flattened")
        prefix = f"{key}." if flattened else f"{key}.entry."
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        indices = sorted({int(m.group(1)) for k in params
                          for m in [re.match(re.escape(prefix) + r"(\d+)\.", k)] if m})
        if not indices:
            return ABSENT
        out = {}
        for i in indices:
            map_key = params.get(f"{prefix}{i}.{key_name}")
            if map_key is not None:
                out[map_key] = _query_value(shape.value, params, f"{prefix}{i}.{value_name}")
        return out
    return params.get(key, ABSENT)


# Entry point -----------------------------------------------------------------------------

def validate(req: ProxyRequest) -> Response | None:
    """None when the request's shape is valid (or not checked), else AWS's refusal."""
    model_name = SERVICE_MODELS.get(req.service)
    if model_name is None or not req.operation:
        return None
    model = service_model(model_name)
    if req.operation not in model.operation_names:
        return None
    op = model.operation_model(req.operation)
    if op.input_shape is None:
        return None
    try:
        if req.protocol in ("rest-json", "s3"):
            return _validate_rest(req, op)
        if req.protocol == "json":
            return _validate_json_rpc(req, op)
        if req.protocol == "query":
            return _validate_query(req, op)
    except RecursionError:  # pragma: no cover - absurdly nested input
        return None
    return None


def _validate_rest(req: ProxyRequest, op) -> Response | None:
    shape = op.input_shape
    payload_name = shape.serialization.get("payload")
    body_value = None
    if req.protocol == "rest-json":
        has_body_members = any(not m.serialization.get("location") for m in shape.members.values())
        if payload_name is None and has_body_members and req.body.strip():
            try:
                body_value = json.loads(req.body)
            except ValueError as exc:
                return _parse_error(req, f"Could not parse request body into json: {exc}")
            if not isinstance(body_value, dict):
                return _parse_error(req, "Could not parse request body into json: expected an object")
        elif payload_name is not None and shape.members[payload_name].type_name == "structure" and req.body.strip():
            try:
                body_value = {payload_name: json.loads(req.body)}
            except ValueError as exc:
                return _parse_error(req, f"Could not parse request body into json: {exc}")
    value = _rest_members(op, req, body_value)
    if payload_name and payload_name not in value and req.body:
        value[payload_name] = ABSENT  # a blob payload: present, unchecked
    if req.protocol == "s3":
        # rest-xml: only the members carried outside the body are checked.
        located = {n for n, m in shape.members.items() if m.serialization.get("location")}
        v = _Validator(textual=True)
        for name in located:
            if name in value:
                v.check(shape.members[name], value[name], _segment(name),
                        shape.members[name].serialization.get("name", name))
        return _s3_answer(req, v.violations)
    v = _Validator(textual=False)
    # uri / querystring / header members are text, the body JSON: check each with its typing.
    text_members = {n for n, m in shape.members.items() if m.serialization.get("location")}
    body_part = {k: val for k, val in value.items() if k not in text_members and val is not ABSENT}
    text_validator = _Validator(textual=True)
    for name in text_members:
        if name in value:
            text_validator.check(shape.members[name], value[name], _segment(name))
    for name in shape.required_members:
        if name in text_members and value.get(name) in (None, ABSENT):
            text_validator.add("required", _segment(name), None, "Member must not be null", shape.members[name])
    if payload_name is None or shape.members[payload_name].type_name == "structure":
        body_shape_members = {n: m for n, m in shape.members.items() if n not in text_members}
        v._structure(_SubShape(shape, body_shape_members), body_part, "")
    return _rpc_answer(req, text_validator.violations + v.violations)


class _SubShape:
    """A structure shape restricted to some of its members (the body part)."""

    def __init__(self, shape, members) -> None:
        self.members = members
        self.required_members = [n for n in shape.required_members if n in members]
        self.type_name = "structure"
        self.metadata = {}


def _validate_json_rpc(req: ProxyRequest, op) -> Response | None:
    body = req.decoded_body()
    if not body.strip():
        value = {}
    else:
        try:
            value = json.loads(body)
        except ValueError:
            return _rpc_answer(req, [Violation("type", "", None, "Could not parse the request body as JSON")])
    v = _Validator(textual=False)
    v.check(op.input_shape, value, "")
    return _rpc_answer(req, v.violations)


def _validate_query(req: ProxyRequest, op) -> Response | None:
    content_type = (req.header("Content-Type") or "").lower()
    body = req.decoded_body()
    if body and not content_type.startswith("application/x-www-form-urlencoded"):
        return None  # e.g. smithy-rpc-v2-cbor: not decoded here
    params = dict(parse_qsl(req.query, keep_blank_values=True))
    if body:
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return None
    value = _query_value(op.input_shape, params, "")
    v = _Validator(textual=True)
    v.check(op.input_shape, value if isinstance(value, dict) else {}, "")
    return _rpc_answer(req, v.violations)


# Answers ---------------------------------------------------------------------------------

def _describe(violation: Violation) -> str:
    if violation.sensitive:
        return f"Value at '{violation.path}' failed to satisfy constraint: {violation.message}"
    rendered = "null" if violation.value is None else f"'{_render(violation.value)}'"
    return f"Value {rendered} at '{violation.path}' failed to satisfy constraint: {violation.message}"


def _coral_message(violations: list[Violation]) -> str:
    n = len(violations)
    parts = "; ".join(_describe(v) for v in violations[:MAX_REPORTED])
    return f"{n} validation error{'s' if n != 1 else ''} detected: {parts}"


def _lambda_parse_error(message: str) -> Response:
    return aws_error("rest-json", 400, "InvalidRequestContentException", message)


def _parse_error(req: ProxyRequest, message: str) -> Response:
    if req.service in ("signer", "lambda-web"):
        return aws_error("rest-json", 400, "ValidationException", message, service=req.service)
    return _lambda_parse_error(message)


def _rpc_answer(req: ProxyRequest, violations: list[Violation]) -> Response | None:
    if not violations:
        return None
    parse_like = [v for v in violations if v.kind in ("unknown", "type")]
    constraint = [v for v in violations if v.kind in ("constraint", "required")]
    if req.service == "lambda":
        if parse_like:
            first = parse_like[0]
            where = f" (at '{first.path}')" if first.path and first.kind != "unknown" else ""
            return _lambda_parse_error(f"Could not parse request body into json: {first.message}{where}")
        return aws_error("rest-json", 400, "ValidationException", _coral_message(constraint))
    if req.service in ("signer", "lambda-web"):
        return aws_error("rest-json", 400, "ValidationException", _coral_message(constraint + parse_like),
                         service=req.service)
    if req.service == "ecr":
        first = (constraint or parse_like)[0]
        message = f"Invalid parameter at '{first.path}' failed to satisfy constraint: '{first.message}'"
        return aws_error(req.protocol, 400, "InvalidParameterException", message, service="ecr")
    if req.service == "logs":
        # CloudWatch Logs: 400 InvalidParameterException ("A parameter is specified incorrectly", the
        # model's) with the Coral message, as AWS answers e.g. FilterLogEvents with a bad logGroupName
        # ("1 validation error detected: Value '…' at 'logGroupName' failed to satisfy constraint: Member
        # must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+"); unknown members and wrong types
        # get the same code (what Logs answers for those is unknown).
        return aws_error(req.protocol, 400, "InvalidParameterException", _coral_message(constraint + parse_like),
                         service="logs")
    if req.service == "monitoring":
        if parse_like:
            first = parse_like[0]
            where = f" (at '{first.path}')" if first.path and first.kind != "unknown" else ""
            code, message = "InvalidParameterValue", f"{first.message}{where}"
        else:
            code, message = "ValidationError", _coral_message(constraint)
        resp = aws_error(req.protocol, 400, code, message, service="monitoring")
        if req.protocol == "json":
            resp.headers.append(("x-amzn-query-error", f"{code};Sender"))
        return resp
    # STS (and any other query service): ValidationError.
    if constraint:
        message = _coral_message(constraint)
    else:
        first = parse_like[0]
        message = _coral_message([Violation("constraint", first.path, first.value, first.message)])
    return aws_error(req.protocol, 400, "ValidationError", message, service=req.service)


def _s3_answer(req: ProxyRequest, violations: list[Violation]) -> Response | None:
    if not violations:
        return None
    first = violations[0]
    if first.wire_name.lower() == "x-amz-storage-class":
        return aws_error("s3", 400, "InvalidStorageClass", "The storage class you specified is not valid",
                         extra={"StorageClassRequested": first.value}, head=req.is_head)
    extra = {"ArgumentName": first.wire_name or first.path}
    if not first.sensitive and first.value is not None:
        extra["ArgumentValue"] = _render(first.value)
    message = first.message if first.kind == "type" else f"Invalid Argument: {first.message}"
    return aws_error("s3", 400, "InvalidArgument", message, extra=extra, head=req.is_head)
