"""S3 behaviour moto skips: x-amz-checksum-sha256 and Content-MD5 on
PutObject and UploadPart (S3 answers 400 BadDigest on a mismatch), the
checksum echoed in the response as S3 does; x-amz-version-id "null" in
versioning-suspended (and -enabled) buckets; 301 PermanentRedirect for a
bucket in another region than the request's."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re as _re
import threading as _threading

from .errors import aws_error
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

CHECKED_OPERATIONS = {"PutObject", "UploadPart"}


def check_body_digests(req: ProxyRequest) -> Response | None:
    if req.operation not in CHECKED_OPERATIONS:
        return None
    claimed_sha = req.header("x-amz-checksum-sha256")
    if claimed_sha is not None:
        actual = base64.b64encode(hashlib.sha256(req.body).digest()).decode()
        if claimed_sha.strip() != actual:
            return aws_error("s3", 400, "BadDigest",
                             "The SHA256 you specified did not match the calculated checksum.")
    claimed_md5 = req.header("Content-MD5")
    if claimed_md5 is not None:
        try:
            raw = base64.b64decode(claimed_md5.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 16:
            return aws_error("s3", 400, "InvalidDigest",
                             "The Content-MD5 you specified was invalid.")
        if raw != hashlib.md5(req.body).digest():
            return aws_error("s3", 400, "BadDigest",
                             "The Content-MD5 you specified did not match what we received.")
    return None


def echo_checksum(req: ProxyRequest, resp: Response) -> None:
    if req.operation not in CHECKED_OPERATIONS or resp.status != 200:
        return
    claimed_sha = req.header("x-amz-checksum-sha256")
    if claimed_sha is not None and resp.header("x-amz-checksum-sha256") is None:
        resp.headers.append(("x-amz-checksum-sha256", claimed_sha.strip()))


# Bucket regions and versioning --------------------------------------------------------------
#
# moto 5.2.1 (checked by hand): buckets are one global namespace, so a bucket created with
# LocationConstraint eu-west-1 answers requests signed for us-east-1 as if it were local; and
# PutObject / GetObject / HeadObject in a versioning-suspended bucket answer without any
# x-amz-version-id (an unversioned bucket's answer has none, which is right).

DEFAULT_REGION = "us-east-1"
# Answers that carry the object's version: PutObject API reference, "x-amz-version-id: Version ID
# of the object"; GetObject / HeadObject likewise; CopyObject and CompleteMultipartUpload for the
# new object.
VERSIONED_ANSWERS = {"PutObject", "GetObject", "HeadObject", "CopyObject", "CompleteMultipartUpload"}
# Requests not bound to one bucket's region: ListBuckets, CreateBucket (the region is its
# argument) and GetBucketLocation (the way a client finds the region; answered from any region).
REGION_FREE = {None, "ListBuckets", "CreateBucket", "GetBucketLocation"}


class S3State:
    """Per-bucket caches of what moto knows: region and versioning status."""

    def __init__(self) -> None:
        self.lock = _threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.regions: dict[str, str] = {}
            self.versioning: dict[str, str | None] = {}
            # SHA-256 checksums objects were stored with: (bucket, key, version id) and the latest.
            self.checksums: dict[tuple[str, str, str], str] = {}
            self.latest_checksum: dict[tuple[str, str], str | None] = {}

    def forget(self, bucket: str) -> None:
        with self.lock:
            self.regions.pop(bucket, None)
            self.versioning.pop(bucket, None)


def bucket_of(req: ProxyRequest) -> str | None:
    trimmed = req.path.lstrip("/")
    return trimmed.split("/", 1)[0] or None if trimmed else None


def bucket_region(state: S3State, moto: MotoClient, bucket: str) -> str | None:
    """The region a bucket was created in (us-east-1 without a LocationConstraint); None when moto
    does not know the bucket. Also what Lambda's code-from-S3 rule reads (lambda_functions.py)."""
    with state.lock:
        if bucket in state.regions:
            return state.regions[bucket]
    resp = moto.call("GET", f"/{bucket}?location", "s3")
    if resp.status != 200:
        return None  # no such bucket: moto answers the request itself
    match = _re.search(rb"<LocationConstraint[^>]*>([^<]*)</LocationConstraint>", resp.body)
    region = (match.group(1).decode() if match else "") or DEFAULT_REGION
    with state.lock:
        state.regions[bucket] = region
    return region


def check_region(req: ProxyRequest, state: S3State, moto: MotoClient) -> Response | None:
    """301 PermanentRedirect for a bucket in another region than the request was signed for.

    S3 API reference, "Error responses" (list of error codes): PermanentRedirect, "The bucket
    you are attempting to access must be addressed using the specified endpoint. Send all future
    requests to this endpoint.", 301 Moved Permanently. User Guide, "Making requests" / "Request
    redirection and the REST API": a request that arrives at the wrong Region's endpoint gets a
    permanent redirect. HeadBucket API reference: the answer carries x-amz-bucket-region; a HEAD
    answer has no body. The twin is one endpoint for every region, so "the endpoint the request
    was sent to" is taken to be the region it was signed for. us-east-1 buckets keep the twin's
    earlier behaviour (served whatever region the request was signed for).
    """
    if req.operation in REGION_FREE:
        return None
    bucket = bucket_of(req)
    if not bucket:
        return None
    region = bucket_region(state, moto, bucket)
    if region is None or region == DEFAULT_REGION or region == req.region:
        return None
    if req.is_head:
        return Response(301, [("x-amz-bucket-region", region), ("x-amz-request-id", "twin"),
                              ("x-amz-id-2", "twin"), ("Content-Type", "application/xml")], b"")
    resp = aws_error("s3", 301, "PermanentRedirect",
                     "The bucket you are attempting to access must be addressed using the specified "
                     "endpoint. Please send all future requests to this endpoint.",
                     extra={"Endpoint": f"{bucket}.s3.{region}.amazonaws.com", "Bucket": bucket})
    resp.headers.append(("x-amz-bucket-region", region))
    return resp


def _versioning_status(state: S3State, moto: MotoClient, bucket: str) -> str | None:
    with state.lock:
        if bucket in state.versioning:
            return state.versioning[bucket]
    resp = moto.call("GET", f"/{bucket}?versioning", "s3")
    if resp.status != 200:
        return None
    match = _re.search(rb"<Status>([^<]*)</Status>", resp.body)
    status = match.group(1).decode() if match else None
    with state.lock:
        state.versioning[bucket] = status
    return status


def versioning_status(state: S3State, moto: MotoClient, bucket: str) -> str | None:
    """"Enabled", "Suspended" or None (never versioned, or no such bucket); also what Signer's
    source-bucket rule reads (signer_semantics.py)."""
    return _versioning_status(state, moto, bucket)


def fix_version_header(req: ProxyRequest, resp: Response, state: S3State, moto: MotoClient) -> None:
    """x-amz-version-id: null for the null version of a versioning-enabled or -suspended bucket.

    User Guide, "Working with objects in a versioning-suspended bucket": "Amazon S3 adds the object
    with version ID null" (and replaces any existing null version). An object stored while
    versioning was never enabled also has version ID null once the bucket is versioned ("Working
    with objects in a versioning-enabled bucket"). An unversioned bucket answers with no
    x-amz-version-id at all (moto already does).
    """
    if req.operation not in VERSIONED_ANSWERS or not 200 <= resp.status < 300:
        return
    if resp.header("x-amz-version-id") is not None:
        return
    bucket = bucket_of(req)
    if bucket and _versioning_status(state, moto, bucket) in ("Enabled", "Suspended"):
        resp.headers.append(("x-amz-version-id", "null"))


def _key_of(req: ProxyRequest) -> str | None:
    trimmed = req.path.lstrip("/")
    parts = trimmed.split("/", 1)
    return parts[1] if len(parts) == 2 and parts[1] else None


def remember_and_return_checksum(req: ProxyRequest, resp: Response, state: S3State) -> None:
    """S3 keeps the SHA-256 an object was uploaded with and returns it on GetObject/HeadObject
    when asked with x-amz-checksum-mode: ENABLED (API reference, HeadObject: "ChecksumMode ... To
    retrieve the checksum, this mode must be enabled"; "x-amz-checksum-sha256 ... only be present
    if it was uploaded with the object"). moto 5.2.1 returns none. A multipart object's checksum
    is a checksum of the parts' checksums, not of the bytes: the twin returns none for those
    (what S3 returns there, "<base64>-N", is not a whole-object SHA-256 either)."""
    bucket, key = bucket_of(req), _key_of(req)
    if not bucket or not key or not 200 <= resp.status < 300:
        return
    version = resp.header("x-amz-version-id") or "null"
    with state.lock:
        if req.operation == "PutObject":
            claimed = req.header("x-amz-checksum-sha256")
            state.latest_checksum[(bucket, key)] = claimed.strip() if claimed else None
            if claimed:
                state.checksums[(bucket, key, version)] = claimed.strip()
        elif req.operation == "CompleteMultipartUpload":
            state.latest_checksum[(bucket, key)] = None
        elif req.operation in ("GetObject", "HeadObject") and (req.header("x-amz-checksum-mode") or "").upper() == "ENABLED":
            asked = req.query_params().get("versionId")
            found = state.checksums.get((bucket, key, asked)) if asked else (
                state.checksums.get((bucket, key, version)) or state.latest_checksum.get((bucket, key)))
            if found and resp.header("x-amz-checksum-sha256") is None:
                resp.headers.append(("x-amz-checksum-sha256", found))


def observe(req: ProxyRequest, resp: Response, state: S3State) -> None:
    """Cache invalidation after requests that change a bucket's region or versioning."""
    if req.operation in ("CreateBucket", "DeleteBucket", "PutBucketVersioning") and resp.status < 300:
        bucket = bucket_of(req)
        if bucket:
            state.forget(bucket)


def head_needs_get(req: ProxyRequest, state: S3State, moto: MotoClient) -> bool:
    """moto 5.2.1 answers HeadObject?versionId=… with a bare 400 unless versioning is Enabled; S3
    serves any version of a versioning-suspended bucket ("Working with objects in a
    versioning-suspended bucket": existing versions stay retrievable by version ID). The proxy
    then asks moto with GET and answers the HEAD with the headers alone."""
    if req.operation != "HeadObject" or "versionId" not in req.query_params():
        return False
    bucket = bucket_of(req)
    return bool(bucket) and _versioning_status(state, moto, bucket) == "Suspended"
