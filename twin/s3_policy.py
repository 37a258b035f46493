"""Does an S3 bucket policy let an AWS service principal perform an action on an object? What Lambda's
self-managed code storage needs (lambda_code_storage.py): `lambda.amazonaws.com` reading the deployment
package with s3:GetObject and s3:GetObjectVersion.

The evaluation is IAM's for a resource-based policy alone (a service principal has no identity policy):

- IAM User Guide, "Policy evaluation logic" / "Determining whether a request is allowed or denied within an
  account": an explicit Deny in any statement wins; otherwise an Allow is needed; otherwise the request is
  implicitly denied.
- IAM JSON policy elements reference: `Principal` ("*", {"AWS": "*"}, {"Service": name or list}) and
  `NotPrincipal`; `Action` / `NotAction` ("Action names are case-insensitive"; wildcards `*` and `?`, e.g.
  `s3:Get*`, `s3:*`); `Resource` / `NotResource` (ARNs with `*` / `?`, case-sensitive); `Condition` (every
  operator of a statement must hold, every key of an operator must hold, a key with several values holds if
  any does).
- IAM condition operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase,
  StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, each with an `IfExists` form, and
  Null. A key missing from the request: a positive operator does not hold; a negated one (…Not…) does;
  `…IfExists` holds ("If the policy key is not present … the condition evaluates to true").
- Keys Lambda's request carries (Lambda DG "Self-managed S3 code storage", Configuring permissions, whose
  example policy conditions on `aws:SourceArn` with ArnLike; IAM "AWS global condition context keys":
  aws:SourceArn / aws:SourceAccount for a service acting on a resource's behalf): aws:SourceArn (the function's
  unqualified ARN) and aws:SourceAccount (its account). Key names are case-insensitive.

A statement with an operator the twin does not evaluate (ForAnyValue:/ForAllValues:, numeric, date, Bool,
IpAddress, …) is treated as not matching, for Allow and Deny alike (the twin's choice; AWS evaluates them).
"""

from __future__ import annotations

import json
import re

LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
_OPERATORS = {
    # operator: (compare, negated, ignore case)
    "StringEquals": ("equals", False, False),
    "StringNotEquals": ("equals", True, False),
    "StringEqualsIgnoreCase": ("equals", False, True),
    "StringNotEqualsIgnoreCase": ("equals", True, True),
    "StringLike": ("like", False, False),
    "StringNotLike": ("like", True, False),
    "ArnEquals": ("equals", False, False),
    "ArnNotEquals": ("equals", True, False),
    "ArnLike": ("like", False, False),
    "ArnNotLike": ("like", True, False),
}


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's `*` (any run of characters) and `?` (one character) matching, the whole value."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.S | (re.I if ignore_case else 0)) is not None


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_matches(principal, service: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if "*" in _as_list(principal.get("AWS")):
        return True
    return service in _as_list(principal.get("Service"))


def _condition_holds(condition, context: dict[str, str]) -> bool:
    if condition is None:
        return True
    if not isinstance(condition, dict):
        return False
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, block in condition.items():
        if not isinstance(block, dict):
            return False
        if operator == "Null":
            for key, wanted in block.items():
                absent = key.lower() not in lowered
                if not any(str(w).lower() == ("true" if absent else "false") for w in _as_list(wanted)):
                    return False
            continue
        if_exists = operator.endswith("IfExists")
        base = operator[: -len("IfExists")] if if_exists else operator
        if base not in _OPERATORS:
            return False  # not evaluated by the twin: the statement does not match
        compare, negated, ignore_case = _OPERATORS[base]
        for key, wanted in block.items():
            actual = lowered.get(key.lower())
            if actual is None:
                if not (if_exists or negated):
                    return False
                continue
            if compare == "equals":
                hit = any((str(w).lower() == actual.lower()) if ignore_case else str(w) == actual
                          for w in _as_list(wanted))
            else:
                hit = any(_wildcard(str(w), actual) for w in _as_list(wanted))
            if hit == negated:
                return False
    return True


def _statement_applies(statement: dict, service: str, action: str, resource: str, context: dict[str, str]) -> bool:
    if "NotPrincipal" in statement:
        if _principal_matches(statement["NotPrincipal"], service):
            return False
    elif not _principal_matches(statement.get("Principal"), service):
        return False
    if "NotAction" in statement:
        if any(_wildcard(str(a), action, ignore_case=True) for a in _as_list(statement["NotAction"])):
            return False
    elif not any(_wildcard(str(a), action, ignore_case=True) for a in _as_list(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        if any(_wildcard(str(r), resource) for r in _as_list(statement["NotResource"])):
            return False
    elif not any(_wildcard(str(r), resource) for r in _as_list(statement.get("Resource"))):
        return False
    return _condition_holds(statement.get("Condition"), context)


def allows(policy_text: str | None, service: str, action: str, resource: str, context: dict[str, str]) -> bool:
    """Whether the bucket policy lets `service` perform `action` on `resource`: an Allow that applies and no
    Deny that applies. No policy, or one that is not JSON: not allowed."""
    if not policy_text:
        return False
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return False
    statements = [s for s in _as_list(policy.get("Statement") if isinstance(policy, dict) else None)
                  if isinstance(s, dict)]
    applying = [s for s in statements if _statement_applies(s, service, action, resource, context)]
    if any(s.get("Effect") == "Deny" for s in applying):
        return False
    return any(s.get("Effect") == "Allow" for s in applying)


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"
