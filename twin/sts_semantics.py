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
