"""STS: the unsigned AssumeRoleWithWebIdentity's token check, and learning
the temporary keys moto issues so requests signed with them verify."""

from __future__ import annotations

import base64
import json
import time
import xml.etree.ElementTree as ET

from .errors import aws_error
from .messages import Response

ISSUING_ACTIONS = {
    "AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML",
    "GetSessionToken", "GetFederationToken",
}
UNSIGNED_ACTIONS = {"AssumeRoleWithWebIdentity"}


def _b64url_json(part: str):
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def check_web_identity_token(token: str | None, now: float | None = None) -> Response | None:
    """None when the token is a well-formed, unexpired JWT; else STS's 400."""
    malformed = aws_error("query", 400, "InvalidIdentityToken",
                          "The ID Token provided is not a valid JWT. (You may see this error if "
                          "you sent an Access Token)", service="sts")
    if not token:
        return malformed
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return malformed
    try:
        header = _b64url_json(parts[0])
        payload = _b64url_json(parts[1])
    except (ValueError, UnicodeError):
        return malformed
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return malformed
    exp = payload.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return malformed
    now = time.time() if now is None else now
    if exp <= now:
        return aws_error("query", 400, "ExpiredTokenException",
                         "Token expired: current date/time "
                         f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))} must be before "
                         "the expiration date/time "
                         f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(exp))}",
                         service="sts")
    return None


def issued_credentials(body: bytes) -> tuple[str, str, str | None] | None:
    """(AccessKeyId, SecretAccessKey, SessionToken) from an STS XML answer."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for elem in root.iter():
        if elem.tag.rsplit("}", 1)[-1] != "Credentials":
            continue
        values = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in elem}
        if values.get("AccessKeyId") and values.get("SecretAccessKey"):
            return values["AccessKeyId"], values["SecretAccessKey"], values.get("SessionToken") or None
    return None


# Session policies ---------------------------------------------------------------------------
# "The resulting session's permissions are the intersection of the role's identity-based policy
# and the session policies" (IAM User Guide, "Session policies"); a request no session policy
# statement allows is refused with AccessDenied "because no session policy allows the ACTION
# action" (IAM User Guide, "Troubleshoot access denied error messages").
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
# https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
# The twin's identity policies allow everything (moto does not evaluate IAM), so a session
# policy is the whole of what such keys may do. Resources are evaluated for Lambda functions
# (the ARN of the function in the path, qualified by the Qualifier asked for; the alias actions
# on the function itself) and S3
# (the bucket's or the object's ARN); another service's requests match only a Resource of "*".
# GetCallerIdentity needs no permission at all ("No permissions are required to perform this
# operation", STS API reference).

SERVICE_PREFIX = {"lambda": "lambda", "s3": "s3", "monitoring": "cloudwatch", "sts": "sts", "ecr": "ecr",
                  "signer": "signer", "logs": "logs", "iam": "iam",
                  # Lambda Web Functions: lambda-web model, e.g. CreateWebFunction "you must have the
                  # CreateWebFunction permission on the web function" (IAM prefix `lambda`).
                  "lambda-web": "lambda"}
# Operations whose IAM action has another name (Lambda's API permissions reference).
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
ACTION_NAMES = {("lambda", "Invoke"): "InvokeFunction", ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
                ("s3", "HeadObject"): "GetObject", ("s3", "HeadBucket"): "ListBucket",
                ("s3", "ListObjectsV2"): "ListBucket", ("s3", "ListObjects"): "ListBucket",
                ("s3", "ListObjectVersions"): "ListBucketVersions",
                ("s3", "CreateMultipartUpload"): "PutObject", ("s3", "UploadPart"): "PutObject",
                ("s3", "CompleteMultipartUpload"): "PutObject"}


def session_policy(params: dict) -> dict | None:
    """The parsed Policy parameter of an issuing call, or None."""
    text = params.get("Policy")
    if not text:
        return None
    try:
        policy = json.loads(text)
    except ValueError:
        return None
    return policy if isinstance(policy, dict) else None


def assumed_role_arn(body: bytes) -> str | None:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for elem in root.iter():
        if elem.tag.rsplit("}", 1)[-1] == "AssumedRoleUser":
            for child in elem:
                if child.tag.rsplit("}", 1)[-1] == "Arn" and child.text:
                    return child.text
    return None


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _matches(pattern: str, value: str, case_sensitive: bool) -> bool:
    import fnmatch
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def request_action_and_resource(req, account: str) -> tuple[str, str]:
    """The IAM action a request needs and the resource it acts on ("*" where not evaluated)."""
    from urllib.parse import parse_qs, unquote
    service = req.service or ""
    operation = req.operation or ""
    prefix = SERVICE_PREFIX.get(service, service)
    action = f"{prefix}:{ACTION_NAMES.get((service, operation), operation)}"
    resource = "*"
    if service == "s3":
        trimmed = unquote(req.path.lstrip("/"))
        resource = f"arn:aws:s3:::{trimmed}" if trimmed else "*"
        if action in ("s3:GetObject",) and "versionId=" in req.query:
            action = "s3:GetObjectVersion"
    if service == "lambda":
        parts = req.path.split("/")
        if len(parts) > 3 and parts[2] == "functions":
            name = unquote(parts[3])
            qualifier = (parse_qs(req.query).get("Qualifier") or [None])[0]
            if name.startswith("arn:"):
                resource = name
            else:
                resource = f"arn:aws:lambda:{req.region}:{account}:function:{name}"
            # A Qualifier (a version or alias asked for) qualifies the resource; the alias
            # actions (CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases) are
            # authorized on the function itself, whatever alias they name: their resource type
            # in the Service Authorization Reference is the function, and AWS's refusals name
            # the unqualified function ARN.
            if qualifier and resource.count(":") == 6:
                resource += f":{qualifier}"
    if service == "lambda-web":
        # The model's documentation: each operation's permission is "on the web function" (revisions and endpoints
        # included: "not on the revision being created"); its ARN (ResourceArn pattern …:web-function/NAME).
        parts = req.path.split("/")
        if len(parts) > 3 and parts[2] == "web-functions":
            name = unquote(parts[3])
            resource = name if name.startswith("arn:") else f"arn:aws:lambda:{req.region}:{account}:web-function/{name}"
        elif len(parts) > 3 and parts[2] == "tags":
            resource = unquote(parts[3])
    return action, resource


def session_policy_denial(req, key) -> Response | None:
    """None when the key's session policy allows the request; else the service's 403."""
    policy = key.session_policy
    if policy is None or (req.service, req.operation) == ("sts", "GetCallerIdentity"):
        return None
    principal = key.principal or "arn:aws:sts::123456789012:assumed-role/unknown/unknown"
    account = principal.split(":")[4] or "123456789012"
    action, resource = request_action_and_resource(req, account)
    statements = policy.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        if not any(_matches(p, action, False) for p in _strings(statement.get("Action"))):
            continue
        if not any(p == "*" or (resource != "*" and _matches(p, resource, True))
                   for p in _strings(statement.get("Resource"))):
            continue
        if statement.get("Effect") == "Deny":
            return _denied(req, principal, action, resource, "an explicit deny in a session policy")
        if statement.get("Effect") == "Allow":
            allowed = True
    if allowed:
        return None
    return _denied(req, principal, action, resource, f"no session policy allows the {action} action")


def _denied(req, principal: str, action: str, resource: str, why: str) -> Response:
    message = f"User: {principal} is not authorized to perform: {action} on resource: {resource} because {why}"
    if req.protocol == "s3":
        return aws_error("s3", 403, "AccessDenied", message, head=req.is_head)
    code = "AccessDeniedException" if req.protocol in ("rest-json", "json") else "AccessDenied"
    return aws_error(req.protocol, 403, code, message, service=req.service)
