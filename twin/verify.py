"""SigV4 verification of client requests, in the order AWS applies it:
known key → session token → request time → signature → (S3) payload hash.

The signature is recomputed by sigv4_reference.compute_signature, i.e. by
botocore, from the request exactly as received.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from dataclasses import dataclass

from . import errors
from .errors import aws_error
from .messages import ProxyRequest, Response
from .sigv4_reference import compute_signature
from .state import KeyTable

MAX_SKEW_SECONDS = 15 * 60
ALGORITHM = "AWS4-HMAC-SHA256"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization:
    """Parse `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
    SignedHeaders=a;b, Signature=hex`; ValueError when malformed."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise ValueError(f"Unsupported authorization type {algorithm!r}")
    fields = {}
    for component in rest.split(","):
        key, sep, val = component.strip().partition("=")
        if sep:
            fields[key.strip()] = val.strip()
    for required in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(required):
            raise ValueError(f"Authorization header requires '{required}' parameter.")
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise ValueError("Credential should be scoped to a valid region and service: "
                         f"{fields['Credential']!r}")
    return Authorization(
        access_key_id=scope[0], date=scope[1], region=scope[2], service=scope[3],
        signed_headers=tuple(h.strip().lower() for h in fields["SignedHeaders"].split(";") if h.strip()),
        signature=fields["Signature"],
    )


def _as_sent(text: str) -> str:
    """The received text (decoded as latin-1, one char per byte) as the
    client most likely had it before sending: UTF-8 when it decodes."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _err(req: ProxyRequest, status: int, code: str, message: str, extra=None) -> Response:
    return aws_error(req.protocol, status, code, message, service=req.service,
                     extra=extra, head=req.is_head)


def check_headers(req: ProxyRequest, auth: Authorization, keys: KeyTable,
                  now: float | None = None) -> Response | None:
    """Checks that need no body: key, session token, request time."""
    key = keys.lookup(auth.access_key_id)
    if key is None:
        if req.protocol == "s3":
            message = "The AWS Access Key Id you provided does not exist in our records."
        else:
            message = "The security token included in the request is invalid."
        return _err(req, 403, errors.unknown_key_code(req.protocol), message,
                    {"AWSAccessKeyId": auth.access_key_id} if req.protocol == "s3" else None)
    sent = req.header("X-Amz-Security-Token")
    if key.session_token:
        token_ok = (sent == key.session_token and "x-amz-security-token" in auth.signed_headers)
    else:
        token_ok = sent is None  # a token sent with a long-term key is invalid too
    if not token_ok:
        message = ("The provided token is malformed or otherwise invalid."
                   if req.protocol == "s3" else "The security token included in the request is invalid.")
        return _err(req, 403, errors.bad_token_code(req.protocol), message)

    amz_date = req.header("X-Amz-Date")
    malformed_date = "AccessDenied" if req.protocol == "s3" else errors.incomplete_signature_code(req.protocol)
    if not amz_date:
        return _err(req, 403, malformed_date,
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    try:
        sent_at = calendar.timegm(time.strptime(amz_date.strip(), AMZ_DATE_FORMAT))
    except ValueError:
        return _err(req, 403, malformed_date,
                    f"Invalid X-Amz-Date {amz_date!r}; expected format {AMZ_DATE_FORMAT}.")
    now = time.time() if now is None else now
    if abs(now - sent_at) > MAX_SKEW_SECONDS:
        server_time = time.strftime(AMZ_DATE_FORMAT, time.gmtime(now))
        if req.protocol == "s3":
            return _err(req, 403, "RequestTimeTooSkewed",
                        "The difference between the request time and the current time is too large.",
                        {"RequestTime": amz_date, "ServerTime": server_time,
                         "MaxAllowedSkewMilliseconds": MAX_SKEW_SECONDS * 1000})
        if sent_at < now:
            limit = time.strftime(AMZ_DATE_FORMAT, time.gmtime(now - MAX_SKEW_SECONDS))
            message = (f"Signature expired: {amz_date} is now earlier than {limit} "
                       f"({server_time} - 15 min.)")
        else:
            limit = time.strftime(AMZ_DATE_FORMAT, time.gmtime(now + MAX_SKEW_SECONDS))
            message = (f"Signature not yet current: {amz_date} is still later than {limit} "
                       f"({server_time} + 15 min.)")
        return _err(req, 403, errors.expired_signature_code(req.protocol), message)
    return None


def check_signature(req: ProxyRequest, auth: Authorization, keys: KeyTable) -> Response | None:
    """Recompute the signature with botocore; then S3's payload-hash rules."""
    key = keys.lookup(auth.access_key_id)
    assert key is not None  # check_headers ran first
    if req.protocol == "s3":
        content_sha = req.header("x-amz-content-sha256")
        if content_sha is None:
            return _err(req, 400, "InvalidRequest",
                        "Missing required header for this request: x-amz-content-sha256")
        content_sha = content_sha.strip()
        if content_sha.startswith("STREAMING-"):
            return _err(req, 501, "NotImplemented",
                        f"The twin does not accept aws-chunked payloads ({content_sha}).")
        if content_sha != "UNSIGNED-PAYLOAD" and not _HEX64.match(content_sha):
            return _err(req, 400, "InvalidArgument",
                        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... "
                        "or a valid sha256 value.")

    host = req.header("Host") or "127.0.0.1"
    url = "http://" + _as_sent(host) + _as_sent(req.target)
    headers = [(name, _as_sent(value)) for name, value in req.headers]
    result = compute_signature(
        method=req.method, url=url, headers=headers, body=req.body,
        service=auth.service, region=auth.region,
        access_key_id=key.access_key_id, secret_access_key=key.secret_access_key,
        session_token=key.session_token, amz_date=(req.header("X-Amz-Date") or "").strip(),
        signed_headers=auth.signed_headers,
    )
    if result.signature != auth.signature:
        if req.protocol == "s3":
            return _err(req, 403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you "
                        "provided. Check your key and signing method.",
                        {"AWSAccessKeyId": auth.access_key_id,
                         "StringToSign": result.string_to_sign,
                         "SignatureProvided": auth.signature,
                         "StringToSignBytes": " ".join(f"{b:02x}" for b in result.string_to_sign.encode()),
                         "CanonicalRequest": result.canonical_request,
                         "CanonicalRequestBytes": " ".join(f"{b:02x}" for b in result.canonical_request.encode())})
        message = ("The request signature we calculated does not match the signature you "
                   "provided. Check your AWS Secret Access Key and signing method. Consult the "
                   "service documentation for details.\n\nThe Canonical String for this request "
                   f"should have been\n'{result.canonical_request}'\n\nThe String-to-Sign should "
                   f"have been\n'{result.string_to_sign}'\n")
        return _err(req, 403, errors.signature_mismatch_code(req.protocol), message)
    return None


def check_payload_hash(req):
    """S3: a hex x-amz-content-sha256 must be the body's SHA-256. Checked after the
    signature, so a signed-but-wrong payload is told apart from a bad signature."""
    if req.protocol == "s3":
        content_sha = (req.header("x-amz-content-sha256") or "").strip()
        if _HEX64.match(content_sha):
            actual = hashlib.sha256(req.body).hexdigest()
            if actual != content_sha:
                return _err(req, 400, "XAmzContentSHA256Mismatch",
                            "The provided 'x-amz-content-sha256' header does not match what was computed.",
                            {"ClientComputedContentSHA256": content_sha,
                             "S3ComputedContentSHA256": actual})
    return None
