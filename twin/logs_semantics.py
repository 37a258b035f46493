"""CloudWatch Logs behaviour moto 5.2.1 lacks, kept by the proxy, and the twin's own writes of log
events (what Lambda writes for each invocation, lambda_logs.py).

CloudWatch Logs speaks JSON 1.1 (X-Amz-Target `Logs_20140328.<Op>`, signing name `logs`; AWS's
endpoint logs.REGION.amazonaws.com). Requests are SigV4-checked and shape-checked like the rest;
every operation but FilterLogEvents goes to moto unchanged (moto keeps one Logs backend per region).

FilterLogEvents is answered here, from the events moto stored (read through moto's own
FilterLogEvents without a pattern), following CloudWatch Logs API reference, FilterLogEvents
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html):

- the group by `logGroupName` or `logGroupIdentifier` (a name or an ARN), "You must include either
  logGroupIdentifier or logGroupName, but not both" (400 InvalidParameterException); a group that
  does not exist: 400 ResourceNotFoundException "The specified log group does not exist." (moto's
  answer, passed on);
- `logStreamNames` or `logStreamNamePrefix`, not both ("If you specify a value for both ... the
  action returns an InvalidParameterException error"; moto 5.2.1 ignores the prefix);
- `startTime` / `endTime` (epoch ms): "Events with a timestamp before this time are not returned" /
  "Events with a timestamp later than this time are not returned" (both bounds inclusive);
- events from every stream interleaved by time ("The response from this operation always
  interleaves events from multiple log streams within a log group"; `interleaved` is ignored;
  moto 5.2.1 listed them stream by stream unless asked), ties in the order they were ingested;
- `limit` (1–10000, default "up to 10,000 log events") and `nextToken` while more remain; a token
  the twin did not issue, or issued for another query, is 400 InvalidParameterException "The
  specified nextToken is invalid." (moto's wording for GetLogEvents; what FilterLogEvents answers
  is not documented);
- `searchedLogStreams` is an empty list ("As of May 15, 2020, this parameter is no longer
  supported. This parameter returns an empty list.");
- `filterPattern` with the syntax of CloudWatch Logs User Guide, "Filter pattern syntax for metric
  filters, subscription filters, filter log events, and Live Tail"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html), see
  `compile_pattern`. moto 5.2.1 treats every pattern that does not start with a letter or a quote
  as "match everything" (a JSON pattern `{ $.type = "platform.report" }` returned every event) and
  knows no `?term` / `-term`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import sys
from typing import Callable

from .errors import aws_error, new_request_id
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

TARGET_PREFIX = "Logs_20140328."
CONTENT_TYPE = "application/x-amz-json-1.1"
DEFAULT_LIMIT = 10000   # FilterLogEvents `limit`: "The default is 10,000 events" (the model's maximum too)
INVALID_TOKEN = "The specified nextToken is invalid."
NO_GROUP = "You must include either logGroupIdentifier or logGroupName, but not both."
STREAMS_AND_PREFIX = "You cannot specify both logStreamNames and logStreamNamePrefix."

Forward = Callable[..., Response]
Matcher = Callable[[str], bool]


class FilterPatternError(ValueError):
    """A filter pattern the twin cannot read."""


# Filter patterns -------------------------------------------------------------------------------

def compile_pattern(pattern: str | None) -> Matcher:
    """A matcher for one `filterPattern` (FilterAndPatternSyntax.html). Supported:

    - empty: every event;
    - terms (unstructured events, case-sensitive): `ERROR` (the event contains it), `ERROR ARGS` (all
      of them), `"exact phrase"` (a quoted term: the event contains that exact phrase; `\\"` is a
      quote in it), `?ERROR ?WARN` (any of the ?-terms), `-term` (must not contain it), combined:
      the plain terms all, at least one ?-term when there are any, none of the -terms;
    - `%regular expression%` (the event matches the expression somewhere);
    - JSON (`{ ... }`; only events that are JSON objects can match): selectors `$.a.b`, `$.a[0]`,
      `$.a[0].b`; `=` / `!=` with a string (quoted, or bare) where `*` is a wildcard; `=`, `!=`,
      `<`, `<=`, `>`, `>=` with a number (compared numerically with a JSON number); `IS TRUE`,
      `IS FALSE`, `IS NULL`, `NOT EXISTS`; `&&`, `||` (&& binds tighter) and parentheses. A
      selector that names nothing satisfies no comparison (`!=` included) and only `NOT EXISTS`.

    Space-delimited patterns (`[ip, user, ...]`) are not supported: FilterPatternError (the proxy
    answers 400 InvalidParameterException saying so)."""
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text.startswith("{"):
        return _json_matcher(text)
    if text.startswith("["):
        raise FilterPatternError("space-delimited filter patterns ([w1, w2, ...]) are not supported by the twin")
    if len(text) >= 2 and text.startswith("%") and text.endswith("%"):
        try:
            regex = re.compile(text[1:-1])
        except re.error as exc:
            raise FilterPatternError(f"invalid regular expression in filter pattern: {exc}") from None
        return lambda message: regex.search(message) is not None
    return _term_matcher(text)


def _term_matcher(text: str) -> Matcher:
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        kind = ""
        if text[i] in "?-" and i + 1 < n and not text[i + 1].isspace():
            kind, i = text[i], i + 1
        if text[i] == '"':
            i += 1
            term = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                term.append(text[i])
                i += 1
            if i >= n:
                raise FilterPatternError("unterminated quoted term in filter pattern")
            i += 1
            word = "".join(term)
        else:
            start = i
            while i < n and not text[i].isspace():
                i += 1
            word = text[start:i]
        {"": required, "?": optional, "-": excluded}[kind].append(word)

    def matches(message: str) -> bool:
        if any(word not in message for word in required):
            return False
        if optional and not any(word in message for word in optional):
            return False
        return not any(word in message for word in excluded)
    return matches


_JSON_TOKEN = re.compile(r"""
    \s*(?:
      (?P<and>&&) | (?P<or>\|\|) | (?P<paren>[()]) |
      (?P<op>!=|<=|>=|=|<|>) |
      (?P<string>"(?:[^"\\]|\\.)*") |
      (?P<selector>\$(?:\.[^\s.\[\]()=!<>&|]+|\[\s*\d+\s*\])*) |
      (?P<word>[^\s()=!<>&|"]+)
    )""", re.X)
_MISSING = object()


def _json_matcher(text: str) -> Matcher:
    if not text.endswith("}"):
        raise FilterPatternError("a JSON filter pattern must be enclosed in { }")
    body = text[1:-1]
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        m = _JSON_TOKEN.match(body, pos)
        if not m or m.end() == pos:
            raise FilterPatternError(f"cannot read the JSON filter pattern at: {body[pos:].strip()[:40]}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    parser = _JsonPatternParser(tokens)
    predicate = parser.expression()
    if parser.pos != len(tokens):
        raise FilterPatternError(f"unexpected {tokens[parser.pos][1]!r} in the JSON filter pattern")

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and predicate(document)
    return matches


class _JsonPatternParser:
    """expression := conjunction ('||' conjunction)*; conjunction := term ('&&' term)*;
    term := '(' expression ')' | comparison."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        self.pos += 1
        return token

    def expression(self):
        parts = [self.conjunction()]
        while self._peek()[0] == "or":
            self._take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def conjunction(self):
        parts = [self.term()]
        while self._peek()[0] == "and":
            self._take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def term(self):
        kind, value = self._peek()
        if kind == "paren" and value == "(":
            self._take()
            inner = self.expression()
            if self._take() != ("paren", ")"):
                raise FilterPatternError("unbalanced parentheses in the JSON filter pattern")
            return inner
        if kind != "selector":
            raise FilterPatternError(f"expected a selector ($.field) in the JSON filter pattern, found {value!r}")
        self._take()
        path = _selector_path(value)
        kind, word = self._peek()
        if kind == "word" and word.upper() in ("IS", "NOT"):
            return self._keyword_test(path)
        if kind != "op":
            raise FilterPatternError(f"expected an operator after {value} in the JSON filter pattern")
        self._take()
        operator = word
        kind, operand = self._take()
        if kind == "string":
            return _string_test(path, operator, json.loads(operand), quoted=True)
        if kind == "word":
            return _string_test(path, operator, operand, quoted=False)
        raise FilterPatternError(f"expected a value after {value} {operator} in the JSON filter pattern")

    def _keyword_test(self, path):
        words = []
        while self._peek()[0] == "word" and len(words) < 2:
            words.append(self._take()[1].upper())
        if words == ["NOT", "EXISTS"]:
            return lambda doc: _resolve(doc, path) is _MISSING
        literal = {"TRUE": True, "FALSE": False, "NULL": None}
        if len(words) == 2 and words[0] == "IS" and words[1] in literal:
            expected = literal[words[1]]
            return lambda doc: _resolve(doc, path) is expected  # _MISSING is never True/False/None
        raise FilterPatternError("expected IS TRUE, IS FALSE, IS NULL or NOT EXISTS in the JSON filter pattern")


def _selector_path(selector: str) -> list:
    path: list = []
    for m in re.finditer(r"\.([^.\[\]]+)|\[\s*(\d+)\s*\]", selector[1:]):
        path.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return path


def _resolve(document, path: list):
    value = document
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return _MISSING
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return _MISSING
            value = value[step]
    return value


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _string_test(path: list, operator: str, operand: str, quoted: bool):
    number = None if quoted else _number(operand)
    if number is not None:
        def numeric(doc) -> bool:
            value = _resolve(doc, path)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                if isinstance(value, str) and operator in ("=", "!="):
                    return (value == operand) == (operator == "=")
                return False
            return {"=": value == number, "!=": value != number, "<": value < number, "<=": value <= number,
                    ">": value > number, ">=": value >= number}[operator]
        return numeric
    if operator not in ("=", "!="):
        raise FilterPatternError(f"{operator} compares numbers only in the JSON filter pattern")
    regex = re.compile("".join(".*" if c == "*" else re.escape(c) for c in operand), re.S)

    def textual(doc) -> bool:
        value = _resolve(doc, path)
        if value is _MISSING or value is None or isinstance(value, (dict, list)):
            return False
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, str):
            value = json.dumps(value)
        return (regex.fullmatch(value) is not None) == (operator == "=")
    return textual


# FilterLogEvents -----------------------------------------------------------------------------

def handle(req: ProxyRequest, moto: MotoClient, forward: Forward) -> Response:
    if req.operation == "FilterLogEvents":
        resp = _filter_log_events(req, moto)
    else:
        resp = forward()
    if not (resp.header("Content-Type") or "").startswith("application/x-amz-json"):
        resp.set_header("Content-Type", CONTENT_TYPE)  # moto says text/html or application/json
    return resp


def _err(status: int, code: str, message: str) -> Response:
    return aws_error("json", status, code, message, service="logs")


def _group_of(body: dict) -> str | None:
    name, identifier = body.get("logGroupName"), body.get("logGroupIdentifier")
    if bool(name) == bool(identifier):
        return None
    if identifier:
        # An ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME, optionally ending :*) or a name.
        if identifier.startswith("arn:") and ":log-group:" in identifier:
            identifier = identifier.split(":log-group:", 1)[1]
            if identifier.endswith(":*"):
                identifier = identifier[:-2]
        return identifier
    return name


def _filter_log_events(req: ProxyRequest, moto: MotoClient) -> Response:
    try:
        body = json.loads(req.decoded_body() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _err(400, "SerializationException", "The request body is not a JSON object.")
    group = _group_of(body)
    if group is None:
        return _err(400, "InvalidParameterException", NO_GROUP)
    names, prefix = body.get("logStreamNames"), body.get("logStreamNamePrefix")
    if names and prefix:
        return _err(400, "InvalidParameterException", STREAMS_AND_PREFIX)
    try:
        matcher = compile_pattern(body.get("filterPattern"))
    except FilterPatternError as exc:
        return _err(400, "InvalidParameterException", f"Invalid filter pattern: {exc}")
    start, end = body.get("startTime"), body.get("endTime")
    limit = body.get("limit") or DEFAULT_LIMIT
    query = json.dumps([group, names or [], prefix or "", start, end, body.get("filterPattern") or ""])
    fingerprint = hashlib.sha256(query.encode()).hexdigest()[:16]
    after = None
    if body.get("nextToken") is not None:
        after = _read_token(body["nextToken"], fingerprint)
        if after is None:
            return _err(400, "InvalidParameterException", INVALID_TOKEN)

    events = read_events(moto, req.region, group, names or None)
    if isinstance(events, Response):
        return events
    selected = []
    for event in events:
        if prefix and not event["logStreamName"].startswith(prefix):
            continue
        if start is not None and event["timestamp"] < start:
            continue
        if end is not None and event["timestamp"] > end:
            continue
        if after is not None and _position(event) <= after:
            continue
        if matcher(event.get("message", "")):
            selected.append(event)
    page = selected[:limit]
    answer: dict = {"events": [{"logStreamName": e["logStreamName"], "timestamp": e["timestamp"],
                                "message": e.get("message", ""), "ingestionTime": e.get("ingestionTime"),
                                "eventId": str(e["eventId"])} for e in page],
                    "searchedLogStreams": []}
    if len(selected) > limit:
        answer["nextToken"] = _make_token(fingerprint, _position(page[-1]))
    return Response(200, [("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", new_request_id())],
                    json.dumps(answer).encode())


def _position(event: dict) -> tuple[int, int]:
    """Where an event sorts: by time, then in the order moto ingested it (its event id)."""
    try:
        order = int(event["eventId"])
    except (TypeError, ValueError):
        order = 0
    return int(event["timestamp"]), order


def _make_token(fingerprint: str, position: tuple[int, int]) -> str:
    raw = json.dumps({"q": fingerprint, "t": position[0], "e": position[1]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _read_token(token, fingerprint: str) -> tuple[int, int] | None:
    if not isinstance(token, str):
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token.encode()))
        if raw["q"] != fingerprint:
            return None
        return int(raw["t"]), int(raw["e"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def read_events(moto: MotoClient, region: str, group: str, streams: list[str] | None = None) -> list[dict] | Response:
    """Every event of a log group (optionally of some streams) as moto's FilterLogEvents lists them
    without a pattern, sorted by time then ingestion; moto's error Response for a group it lacks."""
    events: list[dict] = []
    token = None
    while True:
        payload: dict = {"logGroupName": group, "interleaved": True}
        if streams:
            payload["logStreamNames"] = streams
        if token:
            payload["nextToken"] = token
        resp = _call(moto, "FilterLogEvents", payload, region)
        if resp.status != 200:
            return _moto_error(resp)
        answer = json.loads(resp.body or b"{}")
        events.extend(answer.get("events") or [])
        token = answer.get("nextToken")
        if not token:
            break
    events.sort(key=_position)
    return events


def _moto_error(resp: Response) -> Response:
    try:
        answer = json.loads(resp.body or b"{}")
    except ValueError:
        answer = {}
    code = (resp.header("X-Amzn-ErrorType") or str(answer.get("__type") or "ServiceUnavailableException")).split(":")[0]
    return _err(resp.status, code.rsplit("#", 1)[-1], str(answer.get("message") or answer.get("Message") or ""))


# The twin's own writes ---------------------------------------------------------------------------

def _call(moto: MotoClient, operation: str, payload: dict, region: str) -> Response:
    return moto.call("POST", "/", "logs", json.dumps(payload).encode(), CONTENT_TYPE, region=region,
                     extra_headers=[("X-Amz-Target", TARGET_PREFIX + operation)])


def _error_code(resp: Response) -> str:
    code = resp.header("X-Amzn-ErrorType") or ""
    if not code:
        try:
            code = str(json.loads(resp.body or b"{}").get("__type") or "")
        except ValueError:
            code = ""
    return code.split(":")[0].rsplit("#", 1)[-1]


def put_events(moto: MotoClient, region: str, group: str, stream: str,
               events: list[tuple[int, str]]) -> str | None:
    """PutLogEvents of (timestamp ms, message) pairs, in order, into `group`/`stream` of `region`,
    creating the group and the stream when missing. None when moto took them, else what went wrong."""
    payload = {"logGroupName": group, "logStreamName": stream,
               "logEvents": [{"timestamp": ts, "message": message} for ts, message in events]}
    resp = _call(moto, "PutLogEvents", payload, region)
    if resp.status == 400 and _error_code(resp) == "ResourceNotFoundException":
        for operation, args in (("CreateLogGroup", {"logGroupName": group}),
                                ("CreateLogStream", {"logGroupName": group, "logStreamName": stream})):
            made = _call(moto, operation, args, region)
            if made.status != 200 and _error_code(made) != "ResourceAlreadyExistsException":
                return f"{operation} {group} {stream}: {made.status} {made.body[:200]!r}"
        resp = _call(moto, "PutLogEvents", payload, region)
    if resp.status != 200:
        return f"PutLogEvents {group} {stream}: {resp.status} {resp.body[:200]!r}"
    try:
        rejected = json.loads(resp.body or b"{}").get("rejectedLogEventsInfo")
    except ValueError:
        rejected = None
    if rejected:
        return f"PutLogEvents {group} {stream}: events rejected {rejected}"
    return None


def warn(message: str) -> None:
    """A write the twin could not make: said on stderr, the request it belonged to still answered."""
    sys.stderr.write(f"twin: warning: {message}\n")
    sys.stderr.flush()
